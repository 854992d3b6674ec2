import { scalerSchema, type ScalerConfig } from '../../../../shared/scaling/config';

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
