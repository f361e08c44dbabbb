/** A problem with the user's data or arguments: the CLIs print its message instead of a stack trace. */
export class DataError extends Error {
  override name = "DataError";
}
