import { scalerSchema, type ScalerConfig } from '../../../../shared/scaling/config';
import type { ScaleState } from '../../../../shared/scaling/decide';
import type { ScalingAdapters } from '../../../../shared/scaling/service';

/** The example scaler as written in the YAML config: 10 messages per task, 0-40 tasks. */
export const rawScaler = (fields: Record<string, unknown> = {}) => ({
  name: 'video-workers',
  queue: 'video-jobs',
  cluster: 'media',
  service: 'video-worker',
  messagesPerTask: 10,
  min: 0,
  max: 40,
  ...fields,
});

/** The same scaler after validation, every default filled (scale in after 5 min, in-flight counted). */
export const parsedScaler = (fields: Partial<ScalerConfig> = {}): ScalerConfig =>
  scalerSchema.parse(rawScaler(fields));

/** In-memory adapters that record every call in order. */
export function fakeAdapters(
  world: { visible?: number; desired?: number; running?: number; bounds?: { min: number; max: number } } = {},
) {
  const calls: string[] = [];
  const store = new Map<string, ScaleState & { version: number }>();
  const adapters: ScalingAdapters & { calls: string[]; store: typeof store } = {
    calls,
    store,
    depth: async () => (calls.push('depth'), { visible: world.visible ?? 0, inFlight: 0, delayed: 0 }),
    describe: async () => (
      calls.push('describe'),
      { desired: world.desired ?? 0, running: world.running ?? world.desired ?? 0 }
    ),
    setDesired: async (_ref, desired) => {
      calls.push(`setDesired ${desired}`);
      world.desired = desired;
    },
    bounds: async () => (calls.push('bounds'), world.bounds),
    readState: async (name) => {
      calls.push('readState');
      const item = store.get(name);
      const { version = 0, ...state } = item ?? {};
      return { state, version };
    },
    saveState: async (name, expected, state) => {
      calls.push('saveState');
      if ((store.get(name)?.version ?? 0) !== expected) return false;
      store.set(name, { ...state, version: expected + 1 });
      return true;
    },
  };
  return adapters;
}
