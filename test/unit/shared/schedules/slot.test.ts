import { describe, expect, it } from 'vitest';
import { scheduleSchema, type ScheduleConfig } from '../../../../shared/schedules/config';
import { PermanentError } from '../../../../shared/kernel/errors';
import {
  decideSlot,
  parseSlot,
  planScheduledTask,
  slotClientToken,
  slotTime,
  type ActiveTask,
  type Slot,
  type SlotDecision,
} from '../../../../shared/schedules/slot';

const SLOT_TIME = '2026-11-21T09:00:00Z';
const EXECUTION_ID = 'a1b2c3d4-5678-90ab-cdef-1234567890ab';
const OWN_ARN = 'arn:aws:ecs:us-east-1:123456789012:task/reports/0000000000000000000000000000own0';
const PREVIOUS_ARN = 'arn:aws:ecs:us-east-1:123456789012:task/reports/000000000000000000000000000prev1';
const OTHER_ARN = 'arn:aws:ecs:us-east-1:123456789012:task/reports/000000000000000000000000000prev2';

/** A validated schedule (defaults applied), with a minimal task in the `reports` cluster. */
function schedule(fields: Record<string, unknown> = {}, task: Record<string, unknown> = {}): ScheduleConfig {
  return scheduleSchema.parse({
    name: 'nightly',
    schedule: 'cron(0 9 * * ? *)',
    ...fields,
    task: {
      cluster: 'reports',
      taskDefinition: 'reporter',
      container: 'app',
      subnets: ['subnet-0123abcd'],
      securityGroups: ['sg-0123abcd'],
      ...task,
    },
  });
}

/** The message body Scheduler sends for a slot, after filling the Input template's context attributes. */
const schedulerPayload = (fields: Record<string, unknown> = {}) => ({
  schedule: 'nightly',
  scheduledTime: SLOT_TIME,
  executionId: EXECUTION_ID,
  ...fields,
});

const slotAt = (scheduledTime: string, name = 'nightly'): Slot => ({
  schedule: name,
  scheduledTime: new Date(scheduledTime),
  executionId: EXECUTION_ID,
});

const minutesAfter = (time: string, minutes: number) => new Date(Date.parse(time) + minutes * 60_000);

describe('Function: parseSlot', () => {
  it('accepts the payload Scheduler sends', () => {
    expect(parseSlot(schedulerPayload())).toEqual({
      schedule: 'nightly',
      scheduledTime: new Date(SLOT_TIME),
      executionId: EXECUTION_ID,
    });
  });

  it('accepts a payload without executionId', () => {
    const { executionId: _omitted, ...payload } = schedulerPayload();

    expect(parseSlot(payload)).toEqual({
      schedule: 'nightly',
      scheduledTime: new Date(SLOT_TIME),
      executionId: undefined,
    });
  });

  it('accepts a scheduled time with fractional seconds', () => {
    expect(parseSlot(schedulerPayload({ scheduledTime: '2026-11-21T09:00:00.250Z' })).scheduledTime).toEqual(
      new Date('2026-11-21T09:00:00.250Z'),
    );
  });

  it('ignores fields it does not know', () => {
    expect(parseSlot(schedulerPayload({ attempt: 2 }))).not.toHaveProperty('attempt');
  });

  it.each<[string, unknown, string]>([
    ['without scheduledTime', schedulerPayload({ scheduledTime: undefined }), 'scheduledTime'],
    ['with a numeric scheduledTime', schedulerPayload({ scheduledTime: 1_795_251_600_000 }), 'scheduledTime'],
    ['with a local time', schedulerPayload({ scheduledTime: '2026-11-21T09:00:00' }), 'scheduledTime'],
    [
      'with an offset instead of Z',
      schedulerPayload({ scheduledTime: '2026-11-21T10:00:00+01:00' }),
      'scheduledTime',
    ],
    ['with a date only', schedulerPayload({ scheduledTime: '2026-11-21' }), 'scheduledTime'],
    ['with words', schedulerPayload({ scheduledTime: 'tomorrow at nine' }), 'scheduledTime'],
    [
      'with the unfilled context attribute',
      schedulerPayload({ scheduledTime: '<aws.scheduler.scheduled-time>' }),
      'scheduledTime',
    ],
    [
      'with a huge scheduledTime',
      schedulerPayload({ scheduledTime: `${SLOT_TIME}${'0'.repeat(1_000_000)}` }),
      'scheduledTime',
    ],
    ['without schedule', schedulerPayload({ schedule: undefined }), 'schedule'],
    ['with an empty schedule', schedulerPayload({ schedule: '' }), 'schedule'],
    ['with a numeric schedule', schedulerPayload({ schedule: 7 }), 'schedule'],
    ['with a huge schedule', schedulerPayload({ schedule: 'n'.repeat(100_000) }), 'schedule'],
    ['with a huge executionId', schedulerPayload({ executionId: 'e'.repeat(257) }), 'executionId'],
    ['with a numeric executionId', schedulerPayload({ executionId: 42 }), 'executionId'],
  ])('rejects a payload %s with a PermanentError naming the field', (_name, event, field) => {
    expect(() => parseSlot(event)).toThrow(PermanentError);
    expect(() => parseSlot(event)).toThrow(new RegExp(`^not a schedule slot event: ${field}: `));
  });

  it.each(['2026-11-21T25:00:00Z', '2026-11-21T09:60:00Z', '2026-13-01T09:00:00Z', '2026-00-10T09:00:00Z'])(
    'rejects the impossible time %s as not a valid time',
    (scheduledTime) => {
      expect(() => parseSlot(schedulerPayload({ scheduledTime }))).toThrow(
        new PermanentError('not a schedule slot event: scheduledTime: not a valid time'),
      );
    },
  );

  it.each<[string, unknown]>([
    ['null', null],
    ['a string', SLOT_TIME],
    ['a number', 42],
    ['an array', [schedulerPayload()]],
    ['undefined', undefined],
  ])('rejects %s with a PermanentError about the whole event', (_name, event) => {
    expect(() => parseSlot(event)).toThrow(PermanentError);
    expect(() => parseSlot(event)).toThrow(/^not a schedule slot event: \(root\): /);
  });

  it('does not take fields from a __proto__ key', () => {
    // Prepare
    const event: unknown = JSON.parse(`{"__proto__": ${JSON.stringify(schedulerPayload())}}`);

    // Act & Assess
    expect(() => parseSlot(event)).toThrow(PermanentError);
    expect(({} as Record<string, unknown>).schedule).toBeUndefined();
  });

  it('names at most five problems', () => {
    // Prepare
    const event = { schedule: 1, scheduledTime: 2, executionId: 3 };

    // Act
    let message = '';
    try {
      parseSlot(event);
    } catch (error) {
      message = (error as Error).message;
    }

    // Assess
    expect(message).toMatch(/^not a schedule slot event: /);
    expect(message).toContain('schedule: ');
    expect(message).toContain('scheduledTime: ');
    expect(message).toContain('executionId: ');
    expect(message.split('; ').length).toBeLessThanOrEqual(5);
  });
});

describe('Function: slotTime', () => {
  it.each([
    [SLOT_TIME, SLOT_TIME],
    ['2026-11-21T09:00:00.000Z', SLOT_TIME],
    ['2026-11-21T09:00:00.250Z', SLOT_TIME],
    ['2026-02-28T23:59:59Z', '2026-02-28T23:59:59Z'],
  ])('writes %s with second precision as %s', (scheduledTime, expected) => {
    expect(slotTime(slotAt(scheduledTime))).toBe(expected);
  });
});

describe('Function: slotClientToken', () => {
  const at = new Date(SLOT_TIME);

  it('is 64 lower-case hex characters, a valid RunTask clientToken', () => {
    expect(slotClientToken('nightly', at)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('gives the same token for every delivery of one slot', () => {
    expect(slotClientToken('nightly', new Date(SLOT_TIME))).toBe(
      slotClientToken('nightly', new Date(SLOT_TIME)),
    );
  });

  it('gives the same token for the same instant with or without milliseconds', () => {
    expect(slotClientToken('nightly', new Date('2026-11-21T09:00:00.000Z'))).toBe(
      slotClientToken('nightly', new Date(SLOT_TIME)),
    );
  });

  it('differs per schedule', () => {
    expect(slotClientToken('nightly', at)).not.toBe(slotClientToken('hourly', at));
  });

  it.each(['2026-11-21T09:00:01Z', '2026-11-21T10:00:00Z', '2026-11-22T09:00:00Z', '2027-11-21T09:00:00Z'])(
    'differs for the slot at %s',
    (other) => {
      expect(slotClientToken('nightly', new Date(other))).not.toBe(slotClientToken('nightly', at));
    },
  );
});

describe('Function: planScheduledTask', () => {
  const slot = slotAt(SLOT_TIME);

  it('plans one Fargate task for the slot with the slot’s clientToken, startedBy and tags', () => {
    // Prepare
    const config = schedule({}, { environment: { SLOT: '{scheduledTime}' } });

    // Act
    const request = planScheduledTask(config, slot);

    // Assess
    expect(request).toEqual({
      cluster: 'reports',
      taskDefinition: 'reporter',
      count: 1,
      clientToken: slotClientToken('nightly', new Date(SLOT_TIME)),
      startedBy: 'ecs-pilot/nightly',
      launchType: 'FARGATE',
      platformVersion: 'LATEST',
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ['subnet-0123abcd'],
          securityGroups: ['sg-0123abcd'],
          assignPublicIp: 'DISABLED',
        },
      },
      overrides: { containerOverrides: [{ name: 'app', environment: [{ name: 'SLOT', value: SLOT_TIME }] }] },
      tags: [
        { key: 'ecs-pilot:automation', value: 'schedules' },
        { key: 'ecs-pilot:schedule', value: 'nightly' },
        { key: 'ecs-pilot:slot', value: SLOT_TIME },
      ],
      enableECSManagedTags: true,
    });
  });

  it('uses slotClientToken of the schedule and the slot as the clientToken', () => {
    expect(planScheduledTask(schedule({ name: 'hourly' }), slot).clientToken).toBe(
      slotClientToken('hourly', slot.scheduledTime),
    );
  });

  it('keeps the task’s own tags beside ecs-pilot’s', () => {
    // Act
    const { tags } = planScheduledTask(
      schedule({}, { tags: { team: 'finance', 'cost-center': '42' } }),
      slot,
    );

    // Assess
    expect(tags).toEqual([
      { key: 'cost-center', value: '42' },
      { key: 'ecs-pilot:automation', value: 'schedules' },
      { key: 'ecs-pilot:schedule', value: 'nightly' },
      { key: 'ecs-pilot:slot', value: SLOT_TIME },
      { key: 'team', value: 'finance' },
    ]);
  });

  it('expands {schedule} and {scheduledTime} in environment values and the command', () => {
    // Prepare
    const config = schedule(
      { name: 'billing' },
      {
        environment: {
          SCHEDULE: '{schedule}',
          SLOT: '{scheduledTime}',
          LABEL: 'run of {schedule} due {scheduledTime} ({schedule})',
          PLAIN: 'no placeholders',
        },
        command: ['bill', '--until', '{scheduledTime}', '--job={schedule}'],
      },
    );

    // Act
    const override = planScheduledTask(config, slot).overrides.containerOverrides[0];

    // Assess
    expect(override).toEqual({
      name: 'app',
      environment: [
        { name: 'LABEL', value: `run of billing due ${SLOT_TIME} (billing)` },
        { name: 'PLAIN', value: 'no placeholders' },
        { name: 'SCHEDULE', value: 'billing' },
        { name: 'SLOT', value: SLOT_TIME },
      ],
      command: ['bill', '--until', SLOT_TIME, '--job=billing'],
    });
  });

  it('leaves a placeholder it does not know as it is', () => {
    // Prepare: the config schema refuses such a value; the planner must still not invent one.
    const valid = schedule();
    const config: ScheduleConfig = {
      ...valid,
      task: {
        ...valid.task,
        environment: { KEY: '{key}', PROTO: '{constructor}{toString}', MIXED: '{schedule}-{bucket}' },
        command: ['{versionId}'],
      },
    };

    // Act
    const override = planScheduledTask(config, slot).overrides.containerOverrides[0];

    // Assess
    expect(override?.environment).toEqual([
      { name: 'KEY', value: '{key}' },
      { name: 'MIXED', value: 'nightly-{bucket}' },
      { name: 'PROTO', value: '{constructor}{toString}' },
    ]);
    expect(override?.command).toEqual(['{versionId}']);
  });

  it('sends no command override when the task has none', () => {
    expect(planScheduledTask(schedule(), slot).overrides.containerOverrides[0]).not.toHaveProperty('command');
  });

  it('plans the same request for every delivery of the slot, whatever its executionId', () => {
    // Prepare
    const config = schedule({}, { environment: { SLOT: '{scheduledTime}' }, command: ['run', '{schedule}'] });
    const first = { ...slot, executionId: 'first-execution' };
    const retry = { ...slot, scheduledTime: new Date(SLOT_TIME), executionId: 'retried-execution' };

    // Act & Assess
    expect(planScheduledTask(config, retry)).toStrictEqual(planScheduledTask(config, first));
  });

  it('plans a different clientToken and slot tag for the next slot', () => {
    // Act
    const now = planScheduledTask(schedule(), slot);
    const next = planScheduledTask(schedule(), slotAt('2026-11-22T09:00:00Z'));

    // Assess
    expect(next.clientToken).not.toBe(now.clientToken);
    expect(next.tags).toContainEqual({ key: 'ecs-pilot:slot', value: '2026-11-22T09:00:00Z' });
  });

  it('uses the capacity provider strategy instead of the launch type when one is configured', () => {
    // Act
    const request = planScheduledTask(
      schedule({}, { capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT' }] }),
      slot,
    );

    // Assess
    expect(request.capacityProviderStrategy).toEqual([
      { capacityProvider: 'FARGATE_SPOT', weight: 1, base: 0 },
    ]);
    expect(request).not.toHaveProperty('launchType');
  });
});

describe('Function: decideSlot', () => {
  const slot = slotAt(SLOT_TIME);
  const own: ActiveTask = { taskArn: OWN_ARN, lastStatus: 'PENDING', slot: SLOT_TIME };
  const previous: ActiveTask = { taskArn: PREVIOUS_ARN, lastStatus: 'RUNNING', slot: '2026-11-20T09:00:00Z' };
  const untagged: ActiveTask = { taskArn: OTHER_ARN, lastStatus: 'PENDING', slot: undefined };

  const situations = {
    'nothing active': [],
    'one previous run active': [previous],
    'its own task active': [own],
    'its own task and a previous run active': [previous, own],
    'several previous runs active': [previous, untagged],
  } satisfies Record<string, ActiveTask[]>;
  type Situation = keyof typeof situations;
  type Policy = ScheduleConfig['overlap'];

  const start = (stop: string[]) => ({ action: 'start', stop });
  const skip = { action: 'skip' };
  const duplicate = { action: 'duplicate', taskArn: OWN_ARN };
  const expired = { action: 'expired' };

  /** What each policy does in each situation while the slot is within its retry window. */
  const WITHIN_WINDOW: Record<Policy, Record<Situation, object>> = {
    skip: {
      'nothing active': start([]),
      'one previous run active': skip,
      'its own task active': duplicate,
      'its own task and a previous run active': duplicate,
      'several previous runs active': skip,
    },
    allow: {
      'nothing active': start([]),
      'one previous run active': start([]),
      'its own task active': duplicate,
      'its own task and a previous run active': duplicate,
      'several previous runs active': start([]),
    },
    replace: {
      'nothing active': start([]),
      'one previous run active': start([PREVIOUS_ARN]),
      'its own task active': duplicate,
      'its own task and a previous run active': duplicate,
      'several previous runs active': start([PREVIOUS_ARN, OTHER_ARN]),
    },
  };

  /** Past its window a slot starts nothing; a task it already started still makes it a duplicate. */
  const PAST_WINDOW: Record<Situation, object> = {
    'nothing active': expired,
    'one previous run active': expired,
    'its own task active': duplicate,
    'its own task and a previous run active': duplicate,
    'several previous runs active': expired,
  };

  const policies: Policy[] = ['skip', 'allow', 'replace'];
  const rows = (window: 'within' | 'past') =>
    policies.flatMap((policy) =>
      (Object.keys(situations) as Situation[]).map(
        (situation) =>
          [
            policy,
            situation,
            window === 'within' ? WITHIN_WINDOW[policy][situation] : PAST_WINDOW[situation],
          ] as [Policy, Situation, object],
      ),
    );

  it.each(rows('within'))('with overlap %s and %s, within the window: %o', (overlap, situation, expected) => {
    // Act
    const decision = decideSlot(
      schedule({ overlap }),
      slot,
      situations[situation],
      minutesAfter(SLOT_TIME, 5),
    );

    // Assess
    expect(decision).toMatchObject(expected);
    expect(decision.reason).toEqual(expect.any(String));
  });

  it.each(rows('past'))('with overlap %s and %s, past the window: %o', (overlap, situation, expected) => {
    // Act
    const decision = decideSlot(
      schedule({ overlap }),
      slot,
      situations[situation],
      minutesAfter(SLOT_TIME, 16),
    );

    // Assess
    expect(decision).toMatchObject(expected);
  });

  it.each(policies)('never stops its own task under overlap %s', (overlap) => {
    // Act
    const decision = decideSlot(
      schedule({ overlap }),
      slot,
      [previous, own, untagged],
      minutesAfter(SLOT_TIME, 1),
    );

    // Assess
    expect(decision).toEqual({
      action: 'duplicate',
      taskArn: OWN_ARN,
      reason: `slot ${SLOT_TIME} already has ${OWN_ARN}`,
    });
  });

  it('replace lists exactly the other tasks to stop, in the order ECS listed them', () => {
    // Prepare
    const third: ActiveTask = {
      taskArn: `${OTHER_ARN}3`,
      lastStatus: 'PROVISIONING',
      slot: '2026-11-21T08:00:00Z',
    };

    // Act
    const decision = decideSlot(
      schedule({ overlap: 'replace' }),
      slot,
      [untagged, third, previous],
      minutesAfter(SLOT_TIME, 1),
    );

    // Assess
    expect(decision).toEqual({
      action: 'start',
      stop: [OTHER_ARN, `${OTHER_ARN}3`, PREVIOUS_ARN],
      reason: 'replacing 3 previous run(s)',
    });
  });

  it('says why it skips: the previous run’s status and its task', () => {
    expect(decideSlot(schedule(), slot, [previous], minutesAfter(SLOT_TIME, 1))).toEqual({
      action: 'skip',
      reason: `previous run still RUNNING: ${PREVIOUS_ARN}`,
    });
  });

  it('says how late an expired slot is and what its window was', () => {
    expect(decideSlot(schedule({ retryWindowMinutes: 30 }), slot, [], minutesAfter(SLOT_TIME, 45))).toEqual({
      action: 'expired',
      reason: `slot ${SLOT_TIME} is 45 min old, past its 30 min window`,
    });
  });

  it('says it allows the overlap and how many runs are active', () => {
    expect(
      decideSlot(schedule({ overlap: 'allow' }), slot, [previous, untagged], minutesAfter(SLOT_TIME, 1)),
    ).toEqual({
      action: 'start',
      stop: [],
      reason: 'overlap allowed (2 previous run(s) active)',
    });
  });

  it.each<[string, number, SlotDecision['action']]>([
    ['at its scheduled time', 0, 'start'],
    ['exactly at the end of its window', 15 * 60_000, 'start'],
    ['1 ms past its window', 15 * 60_000 + 1, 'expired'],
    ['before its scheduled time (clock skew)', -30_000, 'start'],
  ])('decides a slot %s', (_name, lateMs, action) => {
    expect(decideSlot(schedule(), slot, [], new Date(Date.parse(SLOT_TIME) + lateMs)).action).toBe(action);
  });

  it('uses the schedule’s retry window', () => {
    // Prepare
    const now = minutesAfter(SLOT_TIME, 20);

    // Act & Assess
    expect(decideSlot(schedule({ retryWindowMinutes: 15 }), slot, [], now).action).toBe('expired');
    expect(decideSlot(schedule({ retryWindowMinutes: 30 }), slot, [], now).action).toBe('start');
  });

  it('counts a task without a slot tag as a previous run', () => {
    expect(decideSlot(schedule(), slot, [untagged], minutesAfter(SLOT_TIME, 1)).action).toBe('skip');
  });

  it('matches its own task by the slot tag written with second precision', () => {
    // Prepare: the slot arrives with milliseconds; the tag was written from the same instant.
    const withMillis = slotAt('2026-11-21T09:00:00.000Z');

    // Act & Assess
    expect(
      decideSlot(schedule({ overlap: 'replace' }), withMillis, [own], minutesAfter(SLOT_TIME, 1)),
    ).toMatchObject(duplicate);
  });

  it('changes neither the schedule nor the list of active tasks', () => {
    // Prepare
    const config = Object.freeze(schedule({ overlap: 'replace' }));
    const active = Object.freeze([Object.freeze({ ...previous }), Object.freeze({ ...untagged })]);

    // Act
    const decision = decideSlot(config, Object.freeze({ ...slot }), active, minutesAfter(SLOT_TIME, 1));

    // Assess
    expect(decision).toMatchObject(start([PREVIOUS_ARN, OTHER_ARN]));
    expect(active.map((t) => t.taskArn)).toEqual([PREVIOUS_ARN, OTHER_ARN]);
  });
});

describe('Function: parseSlot (impossible times)', () => {
  it.each(['2026-02-30T09:00:00Z', '2026-04-31T09:00:00Z', '2026-11-21T24:00:00Z', '2026-11-21T09:60:00Z'])(
    'rejects %s instead of rolling it over to another instant',
    (scheduledTime) => {
      expect(() => parseSlot(schedulerPayload({ scheduledTime }))).toThrow(
        new PermanentError('not a schedule slot event: scheduledTime: not a valid time'),
      );
    },
  );

  it('accepts fractional seconds that name a real instant', () => {
    expect(
      parseSlot(schedulerPayload({ scheduledTime: '2026-11-21T09:00:00.250Z' })).scheduledTime.toISOString(),
    ).toBe('2026-11-21T09:00:00.250Z');
  });
});

describe('Function: slotClientToken (precision)', () => {
  it('gives one token per second, as the slot tag does', () => {
    expect(slotClientToken('nightly', new Date('2026-11-21T09:00:00.250Z'))).toBe(
      slotClientToken('nightly', new Date('2026-11-21T09:00:00Z')),
    );
  });
});

describe('Function: decideSlot (a later slot already runs)', () => {
  const later: ActiveTask = { taskArn: PREVIOUS_ARN, lastStatus: 'RUNNING', slot: '2026-11-21T09:05:00Z' };
  const now = minutesAfter(SLOT_TIME, 7);

  it.each(['replace', 'skip'] as const)(
    'never lets a late or redelivered slot start over, or stop, a newer run with overlap %s',
    (overlap) => {
      const decision = decideSlot(schedule({ overlap }), slotAt(SLOT_TIME), [later], now);

      expect(decision).toEqual({
        action: 'skip',
        reason: `a later slot (2026-11-21T09:05:00Z) already runs: ${PREVIOUS_ARN}`,
      });
    },
  );

  it('still starts a late slot beside a newer run with overlap allow', () => {
    expect(decideSlot(schedule({ overlap: 'allow' }), slotAt(SLOT_TIME), [later], now)).toMatchObject({
      action: 'start',
      stop: [],
    });
  });

  it('replaces only older runs when the slot is the newest', () => {
    const older: ActiveTask = { taskArn: OTHER_ARN, lastStatus: 'RUNNING', slot: '2026-11-21T08:55:00Z' };

    expect(decideSlot(schedule({ overlap: 'replace' }), slotAt(SLOT_TIME), [older], now)).toMatchObject({
      action: 'start',
      stop: [OTHER_ARN],
    });
  });
});

describe('Function: decideSlot, with a flexible time window', () => {
  // Scheduler may deliver a flexible slot up to flexibleWindowMinutes after its nominal time, and
  // then retry it for retryWindowMinutes: lateness is only an expiry past both together.
  it.each<[number | undefined, number, number, SlotDecision['action']]>([
    [undefined, 15, 0, 'start'],
    [undefined, 15, 15 * 60_000, 'start'],
    [undefined, 15, 15 * 60_000 + 1, 'expired'],
    [undefined, 15, 40 * 60_000, 'expired'],
    [60, 15, 0, 'start'],
    [60, 15, 40 * 60_000, 'start'],
    [60, 15, 60 * 60_000, 'start'],
    [60, 15, 75 * 60_000, 'start'],
    [60, 15, 75 * 60_000 + 1, 'expired'],
    [60, 15, 120 * 60_000, 'expired'],
    [1, 1, 2 * 60_000, 'start'],
    [1, 1, 2 * 60_000 + 1, 'expired'],
    [15, 30, 44 * 60_000, 'start'],
    [15, 30, 46 * 60_000, 'expired'],
    [1440, 1440, 2880 * 60_000, 'start'],
    [1440, 1440, 2880 * 60_000 + 1, 'expired'],
  ])(
    'with a flexible window of %s min and a retry window of %i min, a slot %i ms late: %s',
    (flexibleWindowMinutes, retryWindowMinutes, lateMs, action) => {
      // Prepare
      const config = schedule({
        retryWindowMinutes,
        ...(flexibleWindowMinutes === undefined ? {} : { flexibleWindowMinutes }),
      });

      // Act
      const decision = decideSlot(config, slotAt(SLOT_TIME), [], new Date(Date.parse(SLOT_TIME) + lateMs));

      // Assess
      expect(decision.action).toBe(action);
    },
  );

  it('says how late an expired flexible slot is and how its window adds up', () => {
    expect(
      decideSlot(
        schedule({ flexibleWindowMinutes: 60, retryWindowMinutes: 15 }),
        slotAt(SLOT_TIME),
        [],
        minutesAfter(SLOT_TIME, 90),
      ),
    ).toEqual({
      action: 'expired',
      reason: `slot ${SLOT_TIME} is 90 min old, past its 75 min window (60 min flexible + 15 min retry)`,
    });
  });
});
