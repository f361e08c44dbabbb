import { readFileSync } from "node:fs";
import { join } from "node:path";
import express from "express";
import ort from "onnxruntime-node";
import { HTTP_ROUTES } from "../../contract/http-routes.js";
import { BUNDLED_MODEL_REPOSITORY } from "../../ml-api/src/config.js";
import { expressPath } from "../../ml-api/src/http/route.js";

/**
 * The baseline the ML API is measured against: Express parsing JSON and calling ONNX Runtime on the same
 * model, with nothing else — no validation, no registry, no error handling. Only for `bench/`.
 */
const MODEL = join(BUNDLED_MODEL_REPOSITORY, "penguins", "2");
const card = JSON.parse(readFileSync(join(MODEL, "card.json"), "utf8"));
const profile = JSON.parse(readFileSync(join(MODEL, "profile.json"), "utf8"));
const session = await ort.InferenceSession.create(readFileSync(join(MODEL, "model.onnx")), {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
});
const islands: string[] = profile.features.find((f: { name: string }) => f.name === "island").categories;
const columns: number = card.onnx.inputColumns;

const app = express();
app.use(express.json({ limit: "1mb" }));
app.post(expressPath(HTTP_ROUTES.v1Predict.template), async (req, res) => {
  const instances: [number, number, number, number, string][] = req.body.instances;
  const input = new Float32Array(instances.length * columns);
  instances.forEach((row, r) => {
    for (let c = 0; c < 4; c++) input[r * columns + c] = row[c] as number;
    input[r * columns + 4 + islands.indexOf(row[4])] = 1;
  });
  const out = await session.run({
    [card.onnx.input]: new ort.Tensor("float32", input, [instances.length, columns]),
  });
  res.json({ predictions: Array.from(out[card.onnx.output]?.data as Float32Array) });
});
const server = app.listen(0, "127.0.0.1", () => {
  process.stdout.write(
    `${JSON.stringify({ msg: "listening", port: (server.address() as { port: number }).port })}\n`,
  );
});
