import type * as z from 'zod';
import { uploadTriggerSchema, type UploadTrigger } from '../../../shared/config/schema';
import type { UploadedObject } from '../../../shared/uploads/event';

/** Raw (pre-validation) shapes, as written in the YAML config. */
export type RawTrigger = z.input<typeof uploadTriggerSchema>;
export type RawTask = RawTrigger['task'];

/** The smallest task spec the schema accepts. */
export const rawTask = {
  cluster: 'media',
  taskDefinition: 'thumbnailer',
  container: 'app',
  subnets: ['subnet-0123abcd'],
  securityGroups: ['sg-0123abcd'],
} satisfies RawTask;

/** A raw trigger with a valid minimal task; `task` fields are merged over {@link rawTask}. */
export function rawTrigger(
  fields: Partial<Omit<RawTrigger, 'task'>> = {},
  task: Partial<RawTask> & Record<string, unknown> = {},
): RawTrigger {
  return { name: 'thumbnails', bucket: 'media-ingest', ...fields, task: { ...rawTask, ...task } };
}

/** A validated trigger (defaults applied), exactly as the handler receives it from the config. */
export function uploadTrigger(
  fields: Partial<Omit<RawTrigger, 'task'>> = {},
  task: Partial<RawTask> = {},
): UploadTrigger {
  return uploadTriggerSchema.parse(rawTrigger(fields, task));
}

/** One uploaded object version, as parseObjectCreated returns it. */
export function uploadedObject(fields: Partial<UploadedObject> = {}): UploadedObject {
  return {
    eventId: '17793124-05d4-b198-2fde-7ededc63b103',
    bucket: 'media-ingest',
    key: 'incoming/cat.jpg',
    size: 2048,
    etag: 'b1946ac92492d2347c6235b4d2611184',
    versionId: 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e',
    sequencer: '617f08299329d189',
    reason: 'PutObject',
    ...fields,
  };
}
