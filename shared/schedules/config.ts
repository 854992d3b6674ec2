import * as z from 'zod/mini';
import {
  isValidTimeZone,
  SCHEDULE_EXPRESSION_JSON_SCHEMA,
  validateScheduleExpression,
} from '../kernel/scheduler/expression.js';
import { automationName, taskSpecSchema, whole } from '../kernel/config.js';

/** Placeholders a schedule's environment and command may use. */
export const SCHEDULE_PLACEHOLDERS = ['schedule', 'scheduledTime'] as const;

/** What a slot does while a previous run of the same schedule is still active. */
export const OVERLAP_POLICIES = ['skip', 'allow', 'replace'] as const;

/** A Fargate task run on a schedule (EventBridge Scheduler), in the user's time zone. */
export const scheduleSchema = z.strictObject({
  name: automationName,
  /** rate(1 hour), cron(0 9 ? * MON-FRI *) or at(2027-01-01T00:00:00), validated as AWS does. */
  schedule: z.string().check(
    z.superRefine((expression: string, ctx) => {
      for (const problem of validateScheduleExpression(expression))
        ctx.addIssue({ code: 'custom', message: problem });
    }),
    z.meta(SCHEDULE_EXPRESSION_JSON_SCHEMA),
  ),
  /** IANA time zone the expression is read in; default UTC. */
  timezone: z._default(
    z.string().check(z.refine(isValidTimeZone, 'an IANA time zone such as Europe/Berlin or UTC')),
    'UTC',
  ),
  /**
   * Let Scheduler deliver a slot up to this many minutes after its nominal time to spread load
   * (1-1440); default off. The slot may still start this long plus `retryWindowMinutes` late.
   */
  flexibleWindowMinutes: z.optional(whole(1, 1440)),
  /** skip (default): start nothing while a previous run is active; allow: always start; replace: stop it first. */
  overlap: z._default(z.enum(OVERLAP_POLICIES), 'skip'),
  /**
   * How long a slot may still start when retried (1-1440 min), counted after its flexible window
   * (so from the nominal time without one); default 15.
   */
  retryWindowMinutes: z._default(whole(1, 1440), 15),
  /**
   * Stop a run still going this many minutes after it started (1-10080), with a reason naming the
   * schedule and the limit, which its stop alert carries; checked every minute. Default: no limit.
   */
  maxRuntimeMinutes: z.optional(whole(1, 10_080)),
  task: taskSpecSchema(SCHEDULE_PLACEHOLDERS),
});

export type ScheduleConfig = z.infer<typeof scheduleSchema>;
