import { describe, expect, it, vi } from 'vitest';
import { PermanentError, RetryableError } from '../../../../shared/kernel/errors';
import { actionFromState, type NoiseState, type NoiseWindow } from '../../../../shared/alerts/noise';
import type { RenderedAlert } from '../../../../shared/alerts/render';
import {
  processStopAlertMessage,
  type AlertOutcome,
  type StopAlertDeps,
} from '../../../../shared/alerts/service';
import type { TaskDefinitionInfo } from '../../../../shared/alerts/task-definition';
import { recordingLogger } from '../../../helpers/log';
import { alertsConfig, sampleEvent, stoppedEvent, type StoppedOptions } from './fixtures';

/** In-memory stand-ins with the adapters' contracts: once per task, the window rule, a publisher. */
function fakes(
  options: { noise?: Partial<StopAlertDeps['noise']>; taskDefinition?: TaskDefinitionInfo } = {},
) {
  const records = new Map<string, AlertOutcome>();
  const windows = new Map<string, NoiseState & { alerted: string[] }>();
  const published: RenderedAlert[] = [];
  const logger = recordingLogger();
  const decisions: string[] = [];
  const config = alertsConfig({
    noise: { enabled: true, maxPerWindow: 2, windowMinutes: 15, ...options.noise },
  });
  const deps = {
    rules: config,
    noise: config.noise,
    region: 'eu-west-1',
    taskDefinitions: { describe: vi.fn(async () => options.taskDefinition) },
    once: {
      run: vi.fn(async (key: { taskArn: string }, send: () => Promise<AlertOutcome>) => {
        const stored = records.get(key.taskArn);
        if (stored) return { ...stored, duplicate: true };
        const outcome = await send();
        records.set(key.taskArn, outcome);
        return outcome;
      }),
    },
    gate: {
      admit: vi.fn(async (window: NoiseWindow, taskArn: string, settings: StopAlertDeps['noise']) => {
        const state = windows.get(window.key) ?? { alerted: [], suppressed: 0 };
        windows.set(window.key, state);
        if (!state.alerted.includes(taskArn) && state.alerted.length < settings.maxPerWindow) {
          state.alerted.push(taskArn);
          return { action: 'alert' as const, failures: state.alerted.length };
        }
        const seen = actionFromState(state, taskArn);
        if (seen === 'alert') return { action: 'alert' as const, failures: state.alerted.length };
        if (seen === 'summary' || seen === 'claim-summary') {
          state.summaryTask = taskArn;
          return { action: 'summary' as const, failures: state.alerted.length + 1 };
        }
        state.suppressed += 1;
        return { action: 'suppress' as const, failures: state.alerted.length + 1 + state.suppressed };
      }),
    },
    publisher: {
      publish: vi.fn(async (alert: RenderedAlert) => {
        published.push(alert);
        return `m-${published.length}`;
      }),
    },
    logger,
    onDecision: (decision: string) => decisions.push(decision),
    now: () => new Date('2026-11-21T12:00:00Z'),
  } satisfies StopAlertDeps;
  return { deps, published, logger, decisions, records };
}

const body = (options: StoppedOptions = {}) => JSON.stringify(stoppedEvent(options));

describe('Function: processStopAlertMessage', () => {
  it('publishes one alert and logs one "sent" line with the reason, the task and the message id', async () => {
    const { deps, published, logger, decisions } = fakes();
    const context: Record<string, string> = {};

    const result = await processStopAlertMessage(JSON.stringify(sampleEvent('oom')), context, deps);

    expect(result).toBe('sent');
    expect(published.map((a) => a.subject)).toEqual([
      'ECS service web in prod: app exited 137 (out of memory)',
    ]);
    expect(decisions).toEqual(['sent']);
    expect(logger.entries).toEqual([
      {
        level: 'info',
        message: 'alert sent',
        extra: {
          decision: 'sent',
          kind: 'container-failed',
          reason:
            'essential container app exited with 137 (OutOfMemoryError: Container killed due to memory usage)',
          messageId: 'm-1',
          failures: 1,
          cluster: 'prod',
          ecsService: 'web',
          family: 'web',
          taskArn: 'arn:aws:ecs:eu-west-1:111122223333:task/prod/6f4c1a2b3d4e4f5a8b9c0d1e2f3a4b5c',
          stopCode: 'EssentialContainerExited',
          version: 5,
          eventId: '9a3c6e4b-1f2d-4c5e-8a7b-0d9e8f7a6b5c',
        },
      },
    ]);
    expect(context).toEqual({
      'ecs-pilot-cluster': 'prod',
      'ecs-pilot-task-arn': 'arn:aws:ecs:eu-west-1:111122223333:task/prod/6f4c1a2b3d4e4f5a8b9c0d1e2f3a4b5c',
      'ecs-pilot-stop-code': 'EssentialContainerExited',
      'ecs-pilot-event-id': '9a3c6e4b-1f2d-4c5e-8a7b-0d9e8f7a6b5c',
    });
  });

  it('still alerts for a stop dated a day ahead, warns, and counts it in the current noise window (issue 18)', async () => {
    const { deps, published, logger } = fakes();
    const event = { ...sampleEvent('oom'), time: '2026-11-22T12:00:00Z' } as Record<string, unknown>;
    (event.detail as Record<string, unknown>).stoppedAt = '2026-11-22T12:00:00Z';

    const result = await processStopAlertMessage(JSON.stringify(event), {}, deps);

    expect(result).toBe('sent');
    expect(published).toHaveLength(1);
    expect(logger.at('warn').map((e) => [e.message, e.extra.fallback])).toEqual([
      [
        'event time ahead of the function clock: detail.stoppedAt',
        'noise window chosen by the function clock',
      ],
      ['event time ahead of the function clock: time', 'noise window chosen by the function clock'],
    ]);
    const [window] = deps.gate.admit.mock.calls[0]!;
    expect(window.start.toISOString()).toBe('2026-11-21T12:00:00.000Z');
  });

  it('ignores a scale-in with its reason, without reading the task definition or touching the state', async () => {
    const { deps, published, logger } = fakes();

    const result = await processStopAlertMessage(JSON.stringify(sampleEvent('scale-in')), {}, deps);

    expect(result).toBe('ignored');
    expect(published).toEqual([]);
    expect(deps.taskDefinitions.describe).not.toHaveBeenCalled();
    expect(deps.once.run).not.toHaveBeenCalled();
    expect(logger.at('info', 'alert ignored')[0]?.extra).toMatchObject({
      decision: 'ignored',
      kind: 'requested-stop',
      reason: expect.stringContaining('does not include all-stops'),
    });
  });

  it('ignores a failing sidecar once the task definition says it is not essential', async () => {
    const { deps, published, decisions } = fakes({
      taskDefinition: {
        containers: [
          { name: 'app', essential: true },
          { name: 'log-router', essential: false },
        ],
      },
    });

    const result = await processStopAlertMessage(
      body({
        containers: [
          { name: 'app', exitCode: 0 },
          { name: 'log-router', exitCode: 1 },
        ],
      }),
      {},
      deps,
    );

    expect(result).toBe('ignored');
    expect(published).toEqual([]);
    expect(decisions).toEqual(['ignored']);
    expect(deps.taskDefinitions.describe).toHaveBeenCalledWith(
      'arn:aws:ecs:eu-west-1:111122223333:task-definition/web:42',
    );
  });

  it('alerts without log links when the task definition cannot be read, and says why in a warning', async () => {
    const { deps, published, logger } = fakes();
    deps.taskDefinitions.describe.mockRejectedValueOnce(new Error('AccessDeniedException: not allowed'));

    const result = await processStopAlertMessage(body(), {}, deps);

    expect(result).toBe('sent');
    expect(published[0]!.body).toContain('(no log links: the task definition was not available)');
    expect(
      logger.at('warn', 'task definition unreadable; alerting without log links')[0]?.extra,
    ).toMatchObject({
      taskDefinitionArn: 'arn:aws:ecs:eu-west-1:111122223333:task-definition/web:42',
      error: 'Error: AccessDeniedException: not allowed',
      cluster: 'prod',
    });
  });

  describe('once per task', () => {
    it('sends nothing for a redelivery and logs it as a duplicate', async () => {
      const { deps, published, logger } = fakes();

      await processStopAlertMessage(body(), {}, deps);
      const result = await processStopAlertMessage(body({ id: 'another-delivery' }), {}, deps);

      expect(result).toBe('duplicate');
      expect(published).toHaveLength(1);
      expect(logger.at('info', 'alert duplicate')[0]?.extra).toMatchObject({
        decision: 'duplicate',
        handledVersion: 5,
        reason: 'task already handled (sent for version 5); this event is a repeat or an older version',
      });
    });

    it('keeps the first alert when an older version arrives late, and when a newer one follows', async () => {
      const { deps, published, logger } = fakes();

      await processStopAlertMessage(body({ version: 6 }), {}, deps);
      await processStopAlertMessage(body({ version: 4 }), {}, deps);
      await processStopAlertMessage(body({ version: 7, stoppedReason: 'more detail' }), {}, deps);

      expect(published).toHaveLength(1);
      expect(published[0]!.body).toContain('task version 6');
      const duplicates = logger.at('info', 'alert duplicate').map((e) => e.extra);
      expect(duplicates.map((d) => [d.version, d.handledVersion])).toEqual([
        [4, 6],
        [7, 6],
      ]);
      expect(duplicates[1]!.reason).toContain('this newer event is not alerted again: one alert per task');
    });
  });

  describe('noise control', () => {
    const failure = (n: number) =>
      body({ service: 'flaky', taskId: `task${n}`, stoppedAt: `2026-11-21T09:3${n}:00Z` });

    it('mails maxPerWindow alerts, then one summary, then counts the rest without mailing', async () => {
      const { deps, published, decisions, logger } = fakes();

      for (const n of [1, 2, 3, 4, 5]) await processStopAlertMessage(failure(n), {}, deps);

      expect(decisions).toEqual(['sent', 'sent', 'summary', 'suppressed', 'suppressed']);
      expect(published.map((a) => a.attributes.alert)).toEqual(['task', 'task', 'summary']);
      expect(published[2]!.subject).toBe(
        'ECS service flaky in prod: failing repeatedly (3 in 15 min), muted until 09:45 UTC',
      );
      expect(logger.at('info', 'alert suppressed')[1]?.extra).toMatchObject({
        decision: 'suppressed',
        failures: 5,
        reason: expect.stringContaining('muted by noise control (failure 5 of this service in the window)'),
      });
    });

    it('mails every failure when noise control is off, without counting', async () => {
      const { deps, decisions } = fakes({ noise: { enabled: false } });

      for (const n of [1, 2, 3, 4]) await processStopAlertMessage(failure(n), {}, deps);

      expect(decisions).toEqual(['sent', 'sent', 'sent', 'sent']);
      expect(deps.gate.admit).not.toHaveBeenCalled();
    });
  });

  it('logs and rethrows a failed publish, keeping its classification', async () => {
    const { deps, logger, decisions } = fakes();
    deps.publisher.publish.mockRejectedValueOnce(
      new RetryableError('SNS Publish: ThrottledException: slow down'),
    );

    const error = await processStopAlertMessage(body(), {}, deps).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RetryableError);
    expect(decisions).toEqual(['failed']);
    expect(logger.at('warn', 'alert failed')[0]?.extra).toMatchObject({
      decision: 'failed',
      error: 'RetryableError: SNS Publish: ThrottledException: slow down',
    });
  });

  it.each([
    ['not JSON', '{"source": "aws.ecs", ', /^message body is not JSON/],
    [
      'another event',
      JSON.stringify({ source: 'aws.s3', 'detail-type': 'Object Created', detail: {} }),
      /^not an ECS "Task State Change"/,
    ],
    ['an empty object', '{}', /^not an ECS "Task State Change"/],
  ])('fails permanently for %s, before any decision', async (_, text, message) => {
    const { deps, published } = fakes();

    const error = await processStopAlertMessage(text, {}, deps).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PermanentError);
    expect((error as Error).message).toMatch(message);
    expect(published).toEqual([]);
  });
});
