import { SERVER_NAME, SERVER_VERSION } from "../server-info.js";
import { HistogramProducer } from "./histogram-producer.js";

/**
 * The process's model histograms, under the same scope as its meter. The SDK's setup attaches them to its
 * metric readers before the app is loaded, as it registers the global meter provider.
 */
export const modelHistograms = new HistogramProducer({ name: SERVER_NAME, version: SERVER_VERSION });
