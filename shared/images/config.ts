import * as z from 'zod/mini';
import { validateLifecyclePolicy, type LifecyclePolicy } from './policy.js';
import {
  SCHEDULE_EXPRESSION_JSON_SCHEMA,
  validateScheduleExpression,
} from '../kernel/scheduler/expression.js';
import { whole } from '../kernel/config.js';
import { S3_OBJECT_URI } from './scan-file.js';

/**
 * The defaults of the image hygiene section, written once: preview only, daily at 03:00 UTC, at most
 * 200 deletions a run, images of every cluster's tasks and services, of the last 5 revisions of every
 * active family and of tasks stopped in the last 24 hours kept.
 */
export const IMAGES_DEFAULTS = {
  mode: 'preview' as const,
  schedule: 'cron(0 3 * * ? *)',
  maxDeletesPerRun: 200,
  protect: {
    excludeClusters: [] as string[],
    taskDefinitionRevisions: 5,
    stoppedTasksWithinHours: 24,
    lambda: { scan: true, keepVersions: 3 },
    eventRules: { scan: true, buses: ['default'] },
    scheduler: { scan: true },
    fromScans: [] as string[],
    scanMaxAgeHours: 36,
  },
};

/**
 * An S3 object URI, `s3://<bucket>/<key>` (current bucket naming rules; a key of 1-256 characters).
 * The same text scopes the function's S3 grant (`arn:…:s3:::<bucket>/<key>`).
 */
const s3ObjectUri = z
  .string()
  .check(
    z.regex(
      S3_OBJECT_URI,
      's3://<bucket>/<key> (a bucket name of 3-63 lower-case letters, digits, dots and hyphens; a key of 1-256 characters without spaces, *, ? or $)',
    ),
  );

/**
 * A cluster name with `*` and `?` wildcards (`prod-*`). They are IAM's wildcards too, so the same text
 * scopes the function's ECS reads (`…:cluster/prod-*`).
 */
const clusterPattern = z
  .string()
  .check(
    z.regex(
      /^[A-Za-z0-9_*?-]{1,255}$/,
      'a cluster name, ARN or pattern (letters, digits, - and _, with * and ? wildcards)',
    ),
  );
const clusterOrPattern = z
  .string()
  .check(
    z.regex(
      /^([A-Za-z0-9_*?-]{1,255}|arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster\/[A-Za-z0-9_-]{1,255})$/,
      'a cluster name (letters, digits, - and _), cluster ARN, or pattern with * and ? wildcards',
    ),
  );

/** preview: report only, zero mutating calls; enforce: delete expired images and sync policies. */
export const IMAGE_MODES = ['preview', 'enforce'] as const;

/**
 * A glob on repository names: the characters ECR allows in a name plus `*` (any run of characters,
 * `/` included) and `?` (one character). These are exactly IAM's wildcards, so the same text scopes
 * the function's role in the repository ARN (`…:repository/<glob>`) and matches the same names.
 */
const repositoryGlob = z
  .string()
  .check(
    z.regex(
      /^[a-z0-9._/*?-]{1,256}$/,
      'a repository name or glob (lower-case letters, digits, . _ - /, with * and ? wildcards)',
    ),
  );

/** Splits `rules[1].selection.countNumber` into zod path segments. */
function pathSegments(path: string): (string | number)[] {
  if (path === '(root)') return [];
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]!));
}

/**
 * A standard ECR lifecycle policy, validated with ECR's rules; each problem keeps its own path.
 * A custom type, so the config's JSON Schema describes it from `lifecyclePolicySchema` instead.
 */
export const lifecyclePolicyField = z.custom<LifecyclePolicy>().check(
  z.superRefine((doc: unknown, ctx) => {
    for (const issue of validateLifecyclePolicy(doc)) {
      const split = issue.indexOf(': ');
      ctx.addIssue({
        code: 'custom',
        message: split < 0 ? issue : issue.slice(split + 2),
        path: split < 0 ? [] : pathSegments(issue.slice(0, split)),
        input: doc,
      });
    }
  }),
);

/** One group of repositories sharing a lifecycle policy. */
export const imageRepositorySchema = z.strictObject({
  /** Globs on repository names (`app-*`, `team/*`, `worker`); a repository takes the first entry that matches it. */
  match: z
    .array(repositoryGlob)
    .check(z.minLength(1, 'at least one repository name or glob'), z.maxLength(50)),
  /** Also put the policy on the repositories themselves (enforce mode only), so ECR applies it too; default false. */
  syncPolicy: z._default(z.boolean(), false),
  /** The standard ECR lifecycle policy document ({"rules": [...]}), as given to PutLifecyclePolicy. */
  policy: lifecyclePolicyField,
});

/** Image hygiene: ECR lifecycle policies enforced on a schedule, never deleting an image in use. */
export const imagesSchema = z.strictObject({
  /** preview (default): report what would be deleted, change nothing; enforce: delete and sync policies. */
  mode: z._default(z.enum(IMAGE_MODES), IMAGES_DEFAULTS.mode),
  /** When the enforcement runs (EventBridge Scheduler, UTC); default cron(0 3 * * ? *), daily at 03:00. */
  schedule: z._default(
    z.string().check(
      z.superRefine((expression: string, ctx) => {
        for (const problem of validateScheduleExpression(expression))
          ctx.addIssue({ code: 'custom', message: problem });
      }),
      z.meta(SCHEDULE_EXPRESSION_JSON_SCHEMA),
    ),
    IMAGES_DEFAULTS.schedule,
  ),
  /** A run that would delete more images than this (across repositories) deletes none and reports (1-10000); default 200. */
  maxDeletesPerRun: z._default(whole(1, 10_000), IMAGES_DEFAULTS.maxDeletesPerRun),
  /** What counts as in use; an image in use is never deleted, whatever the rules say. */
  protect: z._default(
    z.strictObject({
      /**
       * Clusters whose tasks (running, pending, recently stopped) and services' deployments keep their
       * images: names, ARNs or patterns (`prod-*`); absent (the default) means every cluster.
       */
      clusters: z.optional(
        z
          .array(clusterOrPattern)
          .check(
            z.minLength(1, 'at least one cluster or pattern; leave clusters out to scan every cluster'),
            z.maxLength(50),
          ),
      ),
      /** Cluster names or patterns not scanned (a sandbox whose images may go); default none. */
      excludeClusters: z._default(z.array(clusterPattern).check(z.maxLength(50)), () => [
        ...IMAGES_DEFAULTS.protect.excludeClusters,
      ]),
      /** The latest N revisions of every ACTIVE task definition family keep their images (0-100); default 5. */
      taskDefinitionRevisions: z._default(whole(0, 100), IMAGES_DEFAULTS.protect.taskDefinitionRevisions),
      /** Images of tasks stopped within this many hours are kept (0 = none, up to 720); default 24. */
      stoppedTasksWithinHours: z._default(whole(0, 720), IMAGES_DEFAULTS.protect.stoppedTasksWithinHours),
      /** Lambda functions packaged as images keep those images ($LATEST, aliased and the latest versions). */
      lambda: z._default(
        z.strictObject({
          /** Scan the account's Lambda functions; default true. */
          scan: z._default(z.boolean(), IMAGES_DEFAULTS.protect.lambda.scan),
          /** The newest N published versions of each function keep their images (0-100); default 3. */
          keepVersions: z._default(whole(0, 100), IMAGES_DEFAULTS.protect.lambda.keepVersions),
        }),
        () => ({ ...IMAGES_DEFAULTS.protect.lambda }),
      ),
      /** EventBridge rules with ECS targets, whoever made them, keep the images of what they start. */
      eventRules: z._default(
        z.strictObject({
          /** Scan the rules of `buses`; default true. */
          scan: z._default(z.boolean(), IMAGES_DEFAULTS.protect.eventRules.scan),
          /** Event bus names whose rules are scanned (1-20); default the account's `default` bus. */
          buses: z._default(
            z
              .array(z.string().check(z.regex(/^[A-Za-z0-9._-]{1,256}$/, 'an event bus name')))
              .check(z.minLength(1), z.maxLength(20)),
            () => [...IMAGES_DEFAULTS.protect.eventRules.buses],
          ),
        }),
        () => structuredClone(IMAGES_DEFAULTS.protect.eventRules),
      ),
      /** EventBridge Scheduler schedules (every group) with ECS targets keep the images of what they start. */
      scheduler: z._default(
        z.strictObject({
          /** Scan the account's schedules; default true. */
          scan: z._default(z.boolean(), IMAGES_DEFAULTS.protect.scheduler.scan),
        }),
        () => ({ ...IMAGES_DEFAULTS.protect.scheduler }),
      ),
      /**
       * Scan files other accounts' runs (or `ecs-pilot images scan`) wrote, as S3 object URIs (up to 50):
       * their images in use are kept too. One that cannot be read, is invalid, stale or reports doubts
       * makes the run delete nothing. Default none.
       */
      fromScans: z._default(z.array(s3ObjectUri).check(z.maxLength(50)), () => [
        ...IMAGES_DEFAULTS.protect.fromScans,
      ]),
      /** A scan file older than this many hours is stale: the run deletes nothing (1-720); default 36 (a daily writer, late by up to 12 h). */
      scanMaxAgeHours: z._default(whole(1, 720), IMAGES_DEFAULTS.protect.scanMaxAgeHours),
    }),
    () => structuredClone(IMAGES_DEFAULTS.protect),
  ),
  /**
   * Where each run writes this account's own scan (what it found in use here, not what it read from
   * other accounts) for other accounts' runs to read through their `protect.fromScans`: an S3 object
   * URI. Absent (the default): no scan is written.
   */
  scanOutput: z.optional(s3ObjectUri),
  /** Which repositories are cleaned, and by which policy. */
  repositories: z.array(imageRepositorySchema).check(z.minLength(1, 'at least one repository entry')),
});

export type ImagesConfig = z.infer<typeof imagesSchema>;
export type ImageRepositoryConfig = z.infer<typeof imageRepositorySchema>;
