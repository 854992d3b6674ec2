import { describe, expect, it, vi } from 'vitest';
import { CapReachedError, type LaunchResult } from '../../../../shared/kernel/launch/aws/launcher.js';
import { DeferError } from '../../../../shared/kernel/delivery/batch.js';
import { PermanentError, RetryableError } from '../../../../shared/kernel/errors.js';
import type { UploadTrigger } from '../../../../shared/config/schema.js';
import { parseObjectCreated } from '../../../../shared/uploads/event.js';
import { planUploadTask } from '../../../../shared/uploads/plan.js';
import { processUploadMessage, type UploadServiceDeps } from '../../../../shared/uploads/service.js';
import type { RunTaskRequest } from '../../../../shared/kernel/launch/launch.js';
import { s3ObjectCreatedEvent, type ObjectCreatedOptions } from '../../../helpers/events.js';
import { recordingLogger } from '../../../helpers/log.js';
import { uploadTrigger } from '../../../helpers/triggers.js';

const TASK_ARN = 'arn:aws:ecs:us-east-1:123456789012:task/media/0123456789abcdef0123456789abcdef';

const thumbnails = uploadTrigger({ name: 'thumbnails', prefix: 'incoming/', suffix: '.jpg' });
const transcode = uploadTrigger({
  name: 'transcode',
  prefix: 'videos/',
  minSize: 1,
  task: { taskDefinition: 'transcoder', container: 'ffmpeg', maxRunning: 5 },
});
const previews = uploadTrigger({ name: 'previews', prefix: 'incoming/' });

type Start = (request: RunTaskRequest, maxRunning: number | undefined) => Promise<LaunchResult>;

/** Runs one message through the service with a fake launcher and a recording logger. */
type Lookup = UploadServiceDeps['objects']['lookup'];

/** S3 as the lookups see it: by default the object exists under the key exactly as the event carries it. */
const storedAs =
  (stored: (key: string) => boolean): Lookup =>
  async (_bucket, key) =>
    stored(key) ? 'exists' : 'absent';

async function run(
  body: string,
  options: {
    triggers?: UploadTrigger[];
    start?: Start;
    context?: Record<string, string>;
    lookup?: Lookup;
  } = {},
) {
  const launcher = {
    start: vi.fn<Start>(options.start ?? (async () => ({ status: 'started', taskArn: TASK_ARN }))),
  };
  let sent: unknown;
  try {
    sent = (JSON.parse(body) as { detail?: { object?: { key?: unknown } } })?.detail?.object?.key;
  } catch {
    // Not JSON: the service rejects it before any lookup.
  }
  const objects = { lookup: vi.fn<Lookup>(options.lookup ?? storedAs((key) => key === sent)) };
  const logger = recordingLogger();
  const onDecision = vi.fn();
  const context = options.context ?? {};
  const deps: UploadServiceDeps = {
    triggers: options.triggers ?? [thumbnails, transcode],
    launcher,
    objects,
    logger,
    onDecision,
  };
  const outcome = processUploadMessage(body, context, deps);
  return { outcome, launcher, objects, logger, onDecision, context };
}

const upload = (options: ObjectCreatedOptions = {}) => JSON.stringify(s3ObjectCreatedEvent(options));

/** A launcher whose outcome depends on the trigger named in the request's startedBy. */
const byTrigger =
  (outcomes: Record<string, () => Promise<LaunchResult>>): Start =>
  async (request) => {
    const outcome = outcomes[request.startedBy.replace('ecs-pilot/', '')];
    if (!outcome) throw new Error(`unexpected trigger ${request.startedBy}`);
    return outcome();
  };
const fail = (error: unknown) => () => Promise.reject(error);
const ok = (): Promise<LaunchResult> => Promise.resolve({ status: 'started', taskArn: TASK_ARN });

describe('Function: processUploadMessage (times and missing fields, issue 18)', () => {
  const withTime = (time: unknown) => JSON.stringify({ ...s3ObjectCreatedEvent(), time });

  it('starts the task for an event dated a day ahead, and warns with the time and why it does not matter', async () => {
    // Prepare
    const ahead = new Date(Date.now() + 24 * 3600_000).toISOString();

    // Act
    const { outcome, launcher, logger } = await run(withTime(ahead));

    // Assess
    await expect(outcome).resolves.toEqual([expect.objectContaining({ decision: 'started' })]);
    expect(launcher.start).toHaveBeenCalledOnce();
    expect(logger.at('warn', 'event time ahead of the function clock')).toEqual([
      expect.objectContaining({
        extra: expect.objectContaining({
          time: ahead,
          minutesAhead: 1440,
          fallback: 'started anyway: the object exists, and the time decides nothing',
        }),
      }),
    ]);
  });

  it('names an unreadable time with its escaped value, and still starts the task', async () => {
    // Act
    const { outcome, logger } = await run(withTime('yesterday\u001b[2J'));

    // Assess
    await expect(outcome).resolves.toHaveLength(1);
    expect(logger.at('warn', 'event field unreadable: time')[0]?.extra).toMatchObject({
      value: 'yesterday\\u001b[2J',
      fallback: 'none needed: the time decides nothing',
    });
  });

  it('says when a missing size falls back to 0', async () => {
    // Prepare
    const event = s3ObjectCreatedEvent();
    delete (event.detail.object as { size?: number }).size;

    // Act
    const { outcome, logger } = await run(JSON.stringify(event));

    // Assess
    await outcome;
    expect(logger.at('warn', 'event field missing: detail.object.size')[0]?.extra).toMatchObject({
      fallback: 'size 0 for minSize/maxSize and {size}',
    });
  });

  it('warns about nothing for an ordinary event', async () => {
    const { outcome, logger } = await run(upload());

    await outcome;
    expect(logger.at('warn')).toEqual([]);
  });
});

describe('Function: processUploadMessage', () => {
  describe('with a message that is not an upload', () => {
    it.each([
      ['not JSON', '{"detail": '],
      ['empty', ''],
      ['truncated binary', '\u0000\u0001\u0002'],
    ])('rejects a body that is %s as permanent and starts nothing', async (_name, body) => {
      // Act
      const { outcome, launcher, context } = await run(body);

      // Assess
      await expect(outcome).rejects.toBeInstanceOf(PermanentError);
      await expect(outcome).rejects.toThrow(`message body is not JSON (${body.length} characters)`);
      expect(launcher.start).not.toHaveBeenCalled();
      expect(context).toEqual({});
    });

    it.each([
      ['an EC2 event', { ...s3ObjectCreatedEvent(), source: 'aws.ec2' }],
      ['an Object Deleted event', { ...s3ObjectCreatedEvent(), 'detail-type': 'Object Deleted' }],
      ['an event without a key', { ...s3ObjectCreatedEvent(), detail: { bucket: { name: 'media-ingest' } } }],
      ['a size of the wrong type', s3ObjectCreatedEvent({ size: '12' as unknown as number })],
      ['null', null],
      ['an array', [s3ObjectCreatedEvent()]],
      ['a number', 42],
    ])('rejects %s as permanent and starts nothing', async (_name, event) => {
      // Act
      const { outcome, launcher } = await run(JSON.stringify(event));

      // Assess
      await expect(outcome).rejects.toBeInstanceOf(PermanentError);
      await expect(outcome).rejects.toThrow('not an S3 "Object Created" EventBridge event');
      expect(launcher.start).not.toHaveBeenCalled();
    });

    it('rejects a __proto__ key in place of the detail without polluting prototypes', async () => {
      // Prepare
      const body = `{"id":"e-1","source":"aws.s3","detail-type":"Object Created","__proto__":{"detail":{"bucket":{"name":"media-ingest"},"object":{"key":"incoming/a.jpg"}}}}`;

      // Act
      const { outcome, launcher } = await run(body);

      // Assess
      await expect(outcome).rejects.toBeInstanceOf(PermanentError);
      expect(launcher.start).not.toHaveBeenCalled();
      expect(({} as Record<string, unknown>).detail).toBeUndefined();
    });
  });

  describe('with an object that matches no trigger', () => {
    it('skips it with a debug log carrying each trigger’s reason and starts nothing', async () => {
      // Act
      const { outcome, launcher, logger, onDecision } = await run(upload({ key: 'docs/readme.txt' }));

      // Assess
      await expect(outcome).resolves.toEqual([{ decision: 'skipped', reason: 'no trigger matches' }]);
      expect(launcher.start).not.toHaveBeenCalled();
      expect(onDecision).toHaveBeenCalledExactlyOnceWith('skipped');
      expect(logger.entries).toHaveLength(1);
      expect(logger.at('debug', 'upload skipped: no trigger matches')[0]?.extra).toEqual({
        decision: 'skipped',
        bucket: 'media-ingest',
        key: 'docs/readme.txt',
        versionId: 'IYV3p45BT0ac8hjHg1houSdS1a.Mppz',
        eventId: '17793124-05d4-b198-2fde-7ededc63b103',
        reasons: {
          thumbnails: 'key does not start with "incoming/"',
          transcode: 'key does not start with "videos/"',
        },
      });
    });

    it('skips an object from another bucket', async () => {
      // Act
      const { outcome, logger } = await run(upload({ bucket: 'other-bucket' }));

      // Assess
      await expect(outcome).resolves.toEqual([{ decision: 'skipped', reason: 'no trigger matches' }]);
      expect(logger.entries[0]?.extra.reasons).toEqual({
        thumbnails: 'bucket other-bucket is not media-ingest',
        transcode: 'bucket other-bucket is not media-ingest',
      });
    });

    it('skips everything when no trigger is configured', async () => {
      const { outcome, launcher } = await run(upload(), { triggers: [] });

      await expect(outcome).resolves.toEqual([{ decision: 'skipped', reason: 'no trigger matches' }]);
      expect(launcher.start).not.toHaveBeenCalled();
    });
  });

  describe('with a matching object', () => {
    it('starts the planned task and logs one "upload started" line', async () => {
      // Prepare
      const event = s3ObjectCreatedEvent({ key: 'incoming/cat.jpg' });
      const plan = planUploadTask(thumbnails, parseObjectCreated(event));

      // Act
      const { outcome, launcher, logger, onDecision } = await run(JSON.stringify(event));

      // Assess
      await expect(outcome).resolves.toEqual([
        { decision: 'started', trigger: 'thumbnails', taskArn: TASK_ARN },
      ]);
      expect(launcher.start).toHaveBeenCalledExactlyOnceWith(plan.request, undefined);
      expect(onDecision).toHaveBeenCalledExactlyOnceWith('started');
      expect(logger.entries).toEqual([
        {
          level: 'info',
          message: 'upload started',
          extra: {
            decision: 'started',
            trigger: 'thumbnails',
            bucket: 'media-ingest',
            key: 'incoming/cat.jpg',
            versionId: 'IYV3p45BT0ac8hjHg1houSdS1a.Mppz',
            eventId: event.id,
            taskArn: TASK_ARN,
            clientToken: plan.clientToken,
          },
        },
      ]);
    });

    it('passes the trigger’s maxRunning to the launcher', async () => {
      // Act
      const { outcome, launcher } = await run(upload({ key: 'videos/clip.mp4', size: 10 }));

      // Assess
      await outcome;
      expect(launcher.start).toHaveBeenCalledExactlyOnceWith(
        expect.objectContaining({ taskDefinition: 'transcoder', startedBy: 'ecs-pilot/transcode' }),
        5,
      );
    });

    it('logs "upload duplicate" when the launcher finds the task already started', async () => {
      // Act
      const { outcome, logger, onDecision } = await run(upload(), {
        start: async () => ({ status: 'duplicate', taskArn: TASK_ARN }),
      });

      // Assess
      await expect(outcome).resolves.toEqual([
        { decision: 'duplicate', trigger: 'thumbnails', taskArn: TASK_ARN },
      ]);
      expect(onDecision).toHaveBeenCalledExactlyOnceWith('duplicate');
      expect(logger.at('info', 'upload duplicate')[0]?.extra).toMatchObject({
        decision: 'duplicate',
        trigger: 'thumbnails',
        taskArn: TASK_ARN,
      });
    });

    it('plans the same request for every redelivery of the same event', async () => {
      // Act
      const first = await run(upload());
      const second = await run(upload());
      await Promise.all([first.outcome, second.outcome]);

      // Assess
      expect(second.launcher.start.mock.calls[0]?.[0]).toStrictEqual(first.launcher.start.mock.calls[0]?.[0]);
    });

    it('records bucket, key, version id and event id in the context for the dead-letter entry', async () => {
      // Act
      const { outcome, context } = await run(upload({ id: 'event-1', key: 'incoming/a.jpg' }));

      // Assess
      await outcome;
      expect(context).toEqual({
        'ecs-pilot-bucket': 'media-ingest',
        'ecs-pilot-key': 'incoming/a.jpg',
        'ecs-pilot-version-id': 'IYV3p45BT0ac8hjHg1houSdS1a.Mppz',
        'ecs-pilot-event-id': 'event-1',
      });
    });

    it('records an empty version id for an unversioned bucket', async () => {
      // Act
      const { outcome, context } = await run(upload({ versionId: null }));

      // Assess
      await outcome;
      expect(context['ecs-pilot-version-id']).toBe('');
    });

    it.each([
      'incoming/My Photos/summer trip.jpg',
      'incoming/a+b=c.jpg',
      'incoming/100%25 real %.jpg',
      'incoming/2025-01-15T10:20:30Z.jpg',
      'incoming/café/日本語/ß ☕.jpg',
      'incoming/{key}/{bucket}.jpg',
    ])('passes the key %j to INPUT_KEY exactly as it arrived', async (key) => {
      // Act
      const { outcome, launcher, context } = await run(upload({ key }));

      // Assess
      await outcome;
      const request = launcher.start.mock.calls[0]?.[0];
      const environment = request?.overrides.containerOverrides[0]?.environment;
      expect(environment).toContainEqual({ name: 'INPUT_KEY', value: key });
      expect(context['ecs-pilot-key']).toBe(key);
    });
  });

  describe('with a key whose raw and form-decoded readings differ', () => {
    const RAW = 'incoming/a%2Bb+c.jpg';
    const DECODED = 'incoming/a+b c.jpg';
    const envKey = (launcher: { start: { mock: { calls: [RunTaskRequest, unknown][] } } }) =>
      launcher.start.mock.calls[0]?.[0].overrides.containerOverrides[0]?.environment?.find(
        (e) => e.name === 'INPUT_KEY',
      )?.value;

    it('starts the task with the form-decoded key when only that object exists', async () => {
      // Act
      const { outcome, launcher, objects, context } = await run(upload({ key: RAW, versionId: 'v-7' }), {
        lookup: storedAs((key) => key === DECODED),
      });

      // Assess
      await expect(outcome).resolves.toMatchObject([{ decision: 'started', trigger: 'thumbnails' }]);
      expect(envKey(launcher)).toBe(DECODED);
      expect(context['ecs-pilot-key']).toBe(DECODED);
      expect(objects.lookup.mock.calls).toEqual([
        ['media-ingest', RAW, 'v-7'],
        ['media-ingest', DECODED, 'v-7'],
      ]);
    });

    it('starts the task with the raw key when only that object exists', async () => {
      const { outcome, launcher } = await run(upload({ key: DECODED }), {
        lookup: storedAs((key) => key === DECODED),
      });

      await outcome;
      expect(envKey(launcher)).toBe(DECODED);
    });

    it('gives both deliveries of one object version the same clientToken, whichever encoding', async () => {
      // Act
      const raw = await run(upload({ key: DECODED }), { lookup: storedAs((key) => key === DECODED) });
      const encoded = await run(upload({ key: RAW }), { lookup: storedAs((key) => key === DECODED) });
      await raw.outcome;
      await encoded.outcome;

      // Assess
      expect(encoded.launcher.start.mock.calls[0]?.[0].clientToken).toBe(
        raw.launcher.start.mock.calls[0]?.[0].clientToken,
      );
    });

    it.each<[string, Lookup, RegExp]>([
      ['neither object exists', storedAs(() => false), /^neither reading of the key exists/],
      ['both objects exist', storedAs(() => true), /^both readings of the key exist/],
      ['HeadObject is refused', async () => 'forbidden', /HeadObject was refused/],
    ])(
      'fails permanently naming both candidates and starts nothing when %s',
      async (_name, lookup, reason) => {
        // Act
        const { outcome, launcher, logger, onDecision } = await run(upload({ key: RAW }), { lookup });

        // Assess
        await expect(outcome).rejects.toBeInstanceOf(PermanentError);
        await expect(outcome).rejects.toThrow(reason);
        await expect(outcome).rejects.toThrow(`raw "${RAW}", form-decoded "${DECODED}"`);
        expect(launcher.start).not.toHaveBeenCalled();
        expect(onDecision).toHaveBeenCalledExactlyOnceWith('failed');
        expect(logger.at('warn', 'upload failed')).toHaveLength(1);
      },
    );

    it('lets a transient lookup error through as retryable and starts nothing', async () => {
      // Act
      const { outcome, launcher } = await run(upload({ key: RAW }), {
        lookup: async () => {
          throw new RetryableError('HeadObject s3://media-ingest/x: SlowDown');
        },
      });

      // Assess
      await expect(outcome).rejects.toBeInstanceOf(RetryableError);
      expect(launcher.start).not.toHaveBeenCalled();
    });

    it('looks nothing up for a key without + or %', async () => {
      const { outcome, objects } = await run(upload({ key: 'incoming/été 2026/a:b 😀.jpg' }));

      await outcome;
      expect(objects.lookup).not.toHaveBeenCalled();
    });
  });

  describe('with several matching triggers', () => {
    const triggers = [thumbnails, previews];

    it('starts a task for each matching trigger', async () => {
      // Act
      const { outcome, launcher } = await run(upload(), { triggers });

      // Assess
      await expect(outcome).resolves.toEqual([
        { decision: 'started', trigger: 'thumbnails', taskArn: TASK_ARN },
        { decision: 'started', trigger: 'previews', taskArn: TASK_ARN },
      ]);
      expect(launcher.start).toHaveBeenCalledTimes(2);
    });

    it('tries every trigger and asks for a retry when one fails retryably, naming it in the context', async () => {
      // Prepare
      const start = byTrigger({
        thumbnails: fail(new RetryableError('RunTask started no task: RESOURCE:MEMORY')),
        previews: ok,
      });

      // Act
      const { outcome, launcher, logger, context, onDecision } = await run(upload(), { triggers, start });

      // Assess
      await expect(outcome).rejects.toBeInstanceOf(RetryableError);
      await expect(outcome).rejects.not.toBeInstanceOf(DeferError);
      await expect(outcome).rejects.toThrow('RunTask started no task: RESOURCE:MEMORY');
      expect(launcher.start).toHaveBeenCalledTimes(2);
      expect(context['ecs-pilot-trigger']).toBe('thumbnails');
      expect(onDecision.mock.calls).toEqual([['failed'], ['started']]);
      expect(logger.at('warn', 'upload failed')[0]?.extra).toMatchObject({
        decision: 'failed',
        trigger: 'thumbnails',
        key: 'incoming/photo.jpg',
        reason: 'RetryableError: RunTask started no task: RESOURCE:MEMORY',
      });
      expect(logger.at('info', 'upload started')[0]?.extra.trigger).toBe('previews');
    });

    it('defers when every failing trigger reached its cap', async () => {
      // Prepare
      const start = byTrigger({
        thumbnails: fail(new CapReachedError('maxRunning 2 reached')),
        previews: fail(new CapReachedError('maxRunning 3 reached')),
      });

      // Act
      const { outcome, context } = await run(upload(), { triggers, start });

      // Assess
      await expect(outcome).rejects.toBeInstanceOf(DeferError);
      await expect(outcome).rejects.toThrow('maxRunning 2 reached; maxRunning 3 reached');
      expect(context['ecs-pilot-trigger']).toBe('thumbnails,previews');
    });

    it('dead-letters (PermanentError) when one trigger fails permanently and the other starts', async () => {
      // Prepare
      const start = byTrigger({
        thumbnails: ok,
        previews: fail(new PermanentError('ClusterNotFoundException')),
      });

      // Act
      const { outcome, context } = await run(upload(), { triggers, start });

      // Assess
      await expect(outcome).rejects.toBeInstanceOf(PermanentError);
      expect(context['ecs-pilot-trigger']).toBe('previews');
    });

    it.each([
      ['retryable beats deferred', new RetryableError('r'), new CapReachedError('c'), RetryableError],
      ['retryable beats permanent', new PermanentError('p'), new RetryableError('r'), RetryableError],
      ['deferred beats permanent', new PermanentError('p'), new CapReachedError('c'), DeferError],
      [
        'an unclassified error counts as retryable',
        new TypeError('t'),
        new PermanentError('p'),
        RetryableError,
      ],
    ])('picks the most hopeful failure: %s', async (_name, first, second, expected) => {
      // Prepare
      const start = byTrigger({ thumbnails: fail(first), previews: fail(second) });

      // Act
      const { outcome } = await run(upload(), { triggers, start });

      // Assess
      await expect(outcome).rejects.toBeInstanceOf(expected);
      if (expected === RetryableError) await expect(outcome).rejects.not.toBeInstanceOf(DeferError);
    });
  });
});
