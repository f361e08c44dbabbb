import { join } from "node:path";

/**
 * Where the repository's trained models sit below its root. Free of imports that look for the root, so the
 * traffic generator's bundle, which has no package.json above it, can take its default from here too.
 */
export const BUNDLED_MODELS_PATH = join("ml-api", "models");
