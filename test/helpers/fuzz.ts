import type { Parameters } from 'fast-check';

/**
 * fast-check settings for the fuzz tests: a fixed number of runs (so `npm test` stays within its
 * budget), a fresh seed each run unless FUZZ_SEED is set, and on failure fast-check's report with
 * the seed and path to replay it (`FUZZ_SEED=<seed> npx vitest run <file>`).
 */
export function fuzz<T>(numRuns: number): Parameters<T> {
  const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
  return { numRuns, verbose: 1, ...(seed === undefined ? {} : { seed }) };
}
