/**
 * Why a model version cannot be served. The message names the input or output at fault and what is
 * supported; it becomes the version's reason in the repository index. The reason is a stable token.
 */
export type LoadFailure =
  | "invalid_onnx"
  | "unsupported_input"
  | "unsupported_output"
  | "profile_mismatch"
  | "card_mismatch";

export class ModelLoadError extends Error {
  constructor(
    message: string,
    readonly failure: LoadFailure,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
