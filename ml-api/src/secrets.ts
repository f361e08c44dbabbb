import { readFileSync } from "node:fs";
import { type Config, ConfigError } from "./config.js";
import { MIN_KEY_BYTES, PredictionIds } from "./inference/prediction-ids.js";

export interface Secrets {
  /** Undefined when INFERWATCH_CONTROL_AUTH=off. */
  controlToken: Buffer | undefined;
  predictionIdKey: Buffer;
  /** No PREDICTION_ID_KEY_FILE: the key is this process's own and dies with it. */
  predictionIdKeyIsEphemeral: boolean;
}

/** A secret file's bytes without the line break an editor or `echo` leaves at its end. */
function readSecret(setting: string, path: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new ConfigError(`${setting}: cannot read ${path} (${(error as Error).message})`);
  }
  let end = bytes.length;
  while (end > 0 && (bytes[end - 1] === 0x0a || bytes[end - 1] === 0x0d)) end--;
  return bytes.subarray(0, end);
}

/** Reads the control token and the prediction id key the settings point at; problems are ConfigErrors. */
export function readSecrets(config: Config): Secrets {
  let controlToken: Buffer | undefined;
  if (config.INFERWATCH_CONTROL_AUTH === "required") {
    const path = config.INFERWATCH_CONTROL_TOKEN_FILE;
    if (!path)
      throw new ConfigError(
        "INFERWATCH_CONTROL_TOKEN_FILE is required: feedback, load and unload need a control token (INFERWATCH_CONTROL_AUTH=off opens them to anyone)",
      );
    controlToken = readSecret("INFERWATCH_CONTROL_TOKEN_FILE", path);
    if (controlToken.length < 16)
      throw new ConfigError(`INFERWATCH_CONTROL_TOKEN_FILE: ${path} holds fewer than 16 bytes`);
  }
  const keyPath = config.PREDICTION_ID_KEY_FILE;
  if (!keyPath) {
    return { controlToken, predictionIdKey: PredictionIds.randomKey(), predictionIdKeyIsEphemeral: true };
  }
  const predictionIdKey = readSecret("PREDICTION_ID_KEY_FILE", keyPath);
  if (predictionIdKey.length < MIN_KEY_BYTES)
    throw new ConfigError(`PREDICTION_ID_KEY_FILE: ${keyPath} holds fewer than ${MIN_KEY_BYTES} bytes`);
  return { controlToken, predictionIdKey, predictionIdKeyIsEphemeral: false };
}
