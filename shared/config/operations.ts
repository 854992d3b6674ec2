import * as z from 'zod/mini';
import { tagKeyCharacters, tagValue } from '../kernel/config.js';

/**
 * The operational settings of a stage: where alarms go, how long logs are kept, and the tags on
 * every resource. Defaults written once, here.
 */

const email = z
  .string()
  .check(z.regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'an email address like oncall@example.com'));

const topicArn = z
  .string()
  .check(
    z.regex(
      /^arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-\d:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/,
      'an SNS topic ARN like arn:aws:sns:eu-west-1:123456789012:oncall',
    ),
  );

/**
 * Alarms on what must reach a human: a message in any dead-letter queue, a function's errors or
 * throttles, and a scaler's ScalingErrors. Default on, to the stop-alerts topic when alerts are
 * configured, else to `emails` (a topic the stack creates) or `topicArn`.
 */
export const alarmsSchema = z._default(
  z.strictObject({
    /** Default true; false creates no alarm. */
    enabled: z._default(z.boolean(), true),
    /** Subscribed by email to a topic the stack creates for alarms; default none. */
    emails: z._default(z.array(email).check(z.maxLength(20, 'at most 20 addresses')), []),
    /** An existing SNS topic for the alarms instead; default none. */
    topicArn: z.optional(topicArn),
  }),
  { enabled: true, emails: [] },
);

export type AlarmsConfig = z.infer<typeof alarmsSchema>;

/** The retention periods CloudWatch Logs accepts (PutRetentionPolicy), in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** Days the functions' logs are kept; default 30. */
export const logRetentionSchema = z._default(
  z.number().check(
    z.refine((days: number) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
      message: `one of CloudWatch Logs' retention periods: ${LOG_RETENTION_DAYS.join(', ')}`,
    }),
    z.meta({ enum: [...LOG_RETENTION_DAYS] }),
  ),
  30,
);

/**
 * Tags on every taggable resource of the stack, and on the stack itself; default none. AWS's tag
 * rules: at most 50 per resource, keys 1-128 and values 0-256 characters of letters, digits,
 * spaces and + - = . _ : / @, and no key starting with `aws:` (reserved by AWS).
 */
export const stackTagsSchema = z._default(
  z
    .record(
      z.string().check(
        tagKeyCharacters,
        z.refine((key: string) => !/^aws:/i.test(key), 'a tag key not starting with aws: (reserved by AWS)'),
        z.meta({ not: { pattern: '^[aA][wW][sS]:' } }),
      ),
      tagValue,
    )
    .check(
      z.refine((tags) => Object.keys(tags).length <= 50, {
        message: 'at most 50 tags (AWS allows 50 per resource)',
      }),
      z.meta({ maxProperties: 50 }),
    ),
  {},
);

const kmsKeyArn = z
  .string()
  .check(
    z.regex(
      /^arn:aws[a-z-]*:kms:[a-z]{2}(-[a-z]+)+-\d:\d{12}:key\/[A-Za-z0-9-]{1,128}$/,
      'a KMS key ARN like arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    ),
  );

/**
 * Customer managed encryption of everything the stack keeps at rest (queues, tables, topics, the
 * functions' logs and environments); default none (SSE-SQS, DynamoDB's and Lambda's own keys, the
 * stop-alerts topic's own key). `kms` creates one key in the stack; `{ kmsKeyArn }` uses yours,
 * whose key policy must allow what README "Security review" lists.
 */
export const encryptionSchema = z.optional(z.union([z.literal('kms'), z.strictObject({ kmsKeyArn })]));

/** Point-in-time recovery (35 days of continuous backups) on the state tables; default on. */
export const pointInTimeRecoverySchema = z._default(z.boolean(), true);

/**
 * SQS, DynamoDB, SNS, CloudWatch Logs and Lambda use only a key in their own Region: a key ARN of
 * another Region than the stage's would fail the deploy.
 */
export function checkKeyRegion(config: Record<string, unknown>, ctx: z.core.$RefinementCtx): void {
  const encryption = config.encryption as { kmsKeyArn?: unknown } | undefined;
  const keyArn = typeof encryption === 'object' && encryption !== null ? encryption.kmsKeyArn : undefined;
  if (typeof keyArn !== 'string') return;
  const region = typeof config.region === 'string' ? config.region : 'us-east-1';
  const keyRegion = keyArn.split(':')[3];
  if (keyRegion && keyRegion !== region)
    ctx.addIssue({
      code: 'custom',
      message: `the key is in ${keyRegion} but the stage deploys to ${region}: the services use keys of their own Region only`,
      path: ['encryption', 'kmsKeyArn'],
    });
}
