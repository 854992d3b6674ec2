import fc, { type Parameters } from 'fast-check';

/**
 * fast-check settings for the fuzz tests: a fixed number of runs (so `npm test` stays within its
 * budget), a fresh seed each run unless FUZZ_SEED is set, and on failure fast-check's report with
 * the seed and path to replay it (`FUZZ_SEED=<seed> npx vitest run <file>`).
 */
export function fuzz<T>(numRuns: number): Parameters<T> {
  const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
  return { numRuns, verbose: 1, ...(seed === undefined ? {} : { seed }) };
}

/** Every path to a value in a JSON tree (objects and arrays), the root excluded. */
function jsonPaths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return entries.flatMap(([key, child]) => [[...prefix, key], ...jsonPaths(child, [...prefix, key])]);
}

/**
 * A real-shaped event with one field replaced by arbitrary JSON (or removed), or an arbitrary JSON
 * document: what a handler's parser must either read or refuse as a permanent failure.
 */
export function mutatedEvent(sample: unknown): fc.Arbitrary<unknown> {
  const paths = jsonPaths(sample);
  const mutation = fc.record({
    path: fc.constantFrom(...paths),
    value: fc.oneof(fc.jsonValue(), fc.constant(undefined), fc.string({ unit: 'binary', maxLength: 40 })),
  });
  return fc.oneof(
    {
      weight: 4,
      arbitrary: mutation.map(({ path, value }) => setPath(structuredClone(sample), path, value)),
    },
    { weight: 1, arbitrary: fc.jsonValue() },
  );
}

function setPath(root: unknown, path: (string | number)[], value: unknown): unknown {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return root;
}
