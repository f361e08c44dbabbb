/** Requests for the bundled penguins model: version 1 has six features, version 2 drops `sex`. */

export const ADELIE_V1 = {
  bill_length_mm: 39.1,
  bill_depth_mm: 18.7,
  flipper_length_mm: 181,
  body_mass_g: 3750,
  island: "Torgersen",
  sex: "MALE",
};
export const GENTOO_V1 = {
  bill_length_mm: 50,
  bill_depth_mm: 15.2,
  flipper_length_mm: 221,
  body_mass_g: 5300,
  island: "Biscoe",
  sex: "FEMALE",
};

export function withoutSex<T extends { sex: unknown }>(instance: T): Omit<T, "sex"> {
  const { sex: _sex, ...rest } = instance;
  return rest;
}

/** A V2 request body in the columnar form: one tensor per feature. */
export function v2Body(
  instances: Record<string, number | string | null>[],
  extra: Record<string, unknown> = {},
) {
  const names = Object.keys(instances[0] ?? {});
  return {
    ...extra,
    inputs: names.map((name) => {
      const data = instances.map((i) => i[name] ?? null);
      const numeric = data.some((v) => typeof v === "number");
      return { name, shape: [data.length], datatype: numeric ? "FP32" : "BYTES", data };
    }),
  };
}
