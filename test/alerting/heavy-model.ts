import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import onnxProto from "onnx-proto";
import { BUNDLED_MODEL_REPOSITORY } from "../../ml-api/src/config.js";

// onnx-proto is CommonJS that assigns module.exports whole, so Node's ESM loader only offers the default export.
const { onnx } = onnxProto;

/**
 * A model repository for the delivery tests: the bundled penguins versions, plus a version that answers
 * exactly as its source version does but slowly, the way a heavier model deployed by mistake would. Only the
 * tests build it, in a temporary folder; the API serves it through MODEL_REPOSITORY like any other version.
 *
 * The slow part is a chain of `matmuls` square MatMuls of size `size` on an identity matrix, fed from the
 * request (the input's sum times zero is added first) so ONNX Runtime cannot fold it into a constant at
 * load; the chain's sum times zero is added to the probabilities, which therefore stay those of the source.
 */

export interface HeavyVersion {
  model: string;
  /** Version whose graph, profile and card are copied. */
  from: string;
  version: string;
  size: number;
  matmuls: number;
}

function identity(size: number): number[] {
  const values = new Array<number>(size * size).fill(0);
  for (let i = 0; i < size; i++) values[i * size + i] = 1;
  return values;
}

export function heavyGraph(source: Uint8Array, size: number, matmuls: number): Uint8Array {
  const model = onnx.ModelProto.decode(source);
  if (!model.graph) throw new Error("the source model has no graph");
  // decode() builds GraphProto instances, whose repeated fields are arrays (empty when absent).
  const graph = model.graph as onnxProto.onnx.GraphProto;
  const input = graph.input[0]?.name;
  const output = graph.output[0]?.name;
  if (!input || !output) throw new Error("the source model has no input or output");
  const producer = graph.node.find((n) => n.output?.includes(output));
  if (!producer) throw new Error(`no node produces ${output}`);
  producer.output = (producer.output ?? []).map((o) => (o === output ? "light_output" : o));
  producer.name = "light_output";

  const float = onnx.TensorProto.DataType.FLOAT;
  const node = (
    opType: string,
    inputs: string[],
    out: string,
    attribute: onnxProto.onnx.IAttributeProto[] = [],
  ) => onnx.NodeProto.create({ opType, name: out, input: inputs, output: [out], attribute });
  const keepdimsOff = { name: "keepdims", type: onnx.AttributeProto.AttributeType.INT, i: 0 };
  graph.initializer.push(
    onnx.TensorProto.create({ name: "heavy_zero", dims: [], dataType: float, floatData: [0] }),
    onnx.TensorProto.create({
      name: "heavy_identity",
      dims: [size, size],
      dataType: float,
      floatData: identity(size),
    }),
  );
  const nodes = [
    node("ReduceSum", [input], "heavy_input_sum", [keepdimsOff]),
    node("Mul", ["heavy_input_sum", "heavy_zero"], "heavy_input_zero"),
    node("Add", ["heavy_identity", "heavy_input_zero"], "heavy_0"),
  ];
  for (let i = 1; i <= matmuls; i++)
    nodes.push(node("MatMul", [`heavy_${i - 1}`, "heavy_identity"], `heavy_${i}`));
  nodes.push(
    node("ReduceSum", [`heavy_${matmuls}`], "heavy_sum", [keepdimsOff]),
    node("Mul", ["heavy_sum", "heavy_zero"], "heavy_nothing"),
    node("Add", ["light_output", "heavy_nothing"], output),
  );
  graph.node.push(...nodes);
  return onnx.ModelProto.encode(model).finish();
}

/** A temporary copy of the bundled `model` with `heavy` added; returns the repository folder. */
export function repositoryWithHeavyVersion(heavy: HeavyVersion): string {
  const root = mkdtempSync(join(tmpdir(), "inferwatch-models-"));
  cpSync(join(BUNDLED_MODEL_REPOSITORY, heavy.model), join(root, heavy.model), { recursive: true });
  const from = join(root, heavy.model, heavy.from);
  const to = join(root, heavy.model, heavy.version);
  cpSync(from, to, { recursive: true });
  writeFileSync(
    join(to, "model.onnx"),
    heavyGraph(readFileSync(join(from, "model.onnx")), heavy.size, heavy.matmuls),
  );
  const card = JSON.parse(readFileSync(join(from, "card.json"), "utf8")) as Record<string, unknown>;
  writeFileSync(
    join(to, "card.json"),
    JSON.stringify(
      {
        ...card,
        version: heavy.version,
        description: `Version ${heavy.from} slowed down by ${heavy.matmuls} ${heavy.size}x${heavy.size} MatMuls (delivery tests only).`,
      },
      null,
      2,
    ),
  );
  return root;
}
