/**
 * Fargate's task sizes: each task-level cpu (CPU units, 1024 = 1 vCPU) with the memory values (MiB)
 * it accepts, as the ECS Developer Guide's "Task CPU and memory" table lists them (also in the
 * RegisterTaskDefinition reference for `memory`). ECS refuses any other pair when the task starts.
 */
const range = (from: number, to: number, step: number): number[] =>
  Array.from({ length: (to - from) / step + 1 }, (_, i) => from + i * step);

export const FARGATE_SIZES: ReadonlyMap<number, readonly number[]> = new Map([
  [256, [512, 1024, 2048]],
  [512, range(1024, 4096, 1024)],
  [1024, range(2048, 8192, 1024)],
  [2048, range(4096, 16_384, 1024)],
  [4096, range(8192, 30_720, 1024)],
  // 8 and 16 vCPU: 4 GB and 8 GB steps, Linux platform version 1.4.0 or later only.
  [8192, range(16_384, 61_440, 4096)],
  [16_384, range(32_768, 122_880, 8192)],
]);

/** Sizes above 4 vCPU need Linux platform version 1.4.0 or later (LATEST qualifies). */
export const LARGE_CPU_MIN = 8192;

/** Lists memory values compactly: `2048, 3072, … 8192` when there are more than 8. */
export function describeMemoryValues(values: readonly number[]): string {
  if (values.length <= 8) return values.join(', ');
  const step = values[1]! - values[0]!;
  return `${values[0]} to ${values[values.length - 1]} in steps of ${step}`;
}

/** Why a cpu/memory pair cannot run on Fargate, naming the field to change; undefined when it can. */
export function fargateSizeProblem(
  cpu: number,
  memory: number,
): { field: 'cpu' | 'memory'; message: string } | undefined {
  const allowed = FARGATE_SIZES.get(cpu);
  if (!allowed) {
    return {
      field: 'cpu',
      message: `a Fargate task cpu of ${[...FARGATE_SIZES.keys()].join(', ')} CPU units (1024 = 1 vCPU); got ${cpu}`,
    };
  }
  if (!allowed.includes(memory)) {
    return {
      field: 'memory',
      message: `cpu ${cpu} takes memory (MiB) ${describeMemoryValues(allowed)} on Fargate; got ${memory}`,
    };
  }
  return undefined;
}

/** Is this platform version one that runs 8 and 16 vCPU tasks (LATEST, or 1.4.0 and later)? */
export function platformRunsLargeTasks(platformVersion: string): boolean {
  if (platformVersion === 'LATEST') return true;
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(platformVersion);
  if (!match) return true; // not a Linux version number we can judge; ECS will say
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return major > 1 || (major === 1 && minor >= 4);
}
