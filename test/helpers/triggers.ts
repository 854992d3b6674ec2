import { uploadTriggerSchema, type UploadTrigger } from '../../shared/config/schema.js';

/** Fields of an upload trigger as written in the config; `task` fields are merged over a valid default task. */
export type UploadTriggerInput = Partial<Omit<UploadTrigger, 'task'>> & {
  name: string;
  task?: Record<string, unknown>;
};

/** The task every test trigger launches unless overridden (shaped like config/local.yml). */
export const DEFAULT_TASK = {
  cluster: 'media',
  taskDefinition: 'thumbnailer',
  container: 'app',
  subnets: ['subnet-0a1b2c3d4e5f60001'],
  securityGroups: ['sg-0a1b2c3d4e5f60001'],
  environment: {
    INPUT_BUCKET: '{bucket}',
    INPUT_KEY: '{key}',
    INPUT_SIZE: '{size}',
    INPUT_VERSION: '{versionId}',
  },
} as const;

/** A validated upload trigger with the schema's defaults applied, for the `media-ingest` bucket by default. */
export function uploadTrigger(input: UploadTriggerInput): UploadTrigger {
  const { task, ...rest } = input;
  return uploadTriggerSchema.parse({ bucket: 'media-ingest', ...rest, task: { ...DEFAULT_TASK, ...task } });
}
