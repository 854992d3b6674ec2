import { describe, expect, it } from 'vitest';
import {
  categoryOf,
  classifyStop,
  decideAlert,
  describeExit,
  watchesCluster,
  type AlertKind,
  type AlertRules,
} from '../../../../shared/alerts/decide';
import { SAMPLE_CASES, sampleEvent, stopped, type SampleCase, type StoppedOptions } from './fixtures';
import { parseTaskStateChange } from '../../../../shared/alerts/event';

const rules = (notifyOn: AlertRules['notifyOn'], fields: Partial<AlertRules> = {}): AlertRules => ({
  notifyOn,
  ignore: { services: [], families: [] },
  ...fields,
});

const OOM = 'OutOfMemoryError: Container killed due to memory usage';

/**
 * The decision table: every stop code and exit case, and whether each notifyOn setting alerts.
 * [case, event, kind, alerts with [failures], with [spot], with [all-stops]]
 */
const TABLE: [string, StoppedOptions, AlertKind, boolean, boolean, boolean][] = [
  // TaskFailedToStart: always a failure, with or without containers and exit codes.
  [
    'failed to start: image pull, no exit codes',
    {
      stopCode: 'TaskFailedToStart',
      stoppedReason: 'CannotPullContainerError: not found',
      containers: [{ name: 'app', reason: 'CannotPullContainerError: not found' }, { name: 'sidecar' }],
    },
    'failed-to-start',
    true,
    false,
    true,
  ],
  [
    'failed to start: secrets, no containers',
    {
      stopCode: 'TaskFailedToStart',
      stoppedReason: 'ResourceInitializationError: unable to pull secrets',
      containers: [],
    },
    'failed-to-start',
    true,
    false,
    true,
  ],
  // EssentialContainerExited: a failure when an essential container exited non-zero, or without a code but with a reason.
  [
    'essential exit 137, out of memory',
    { containers: [{ name: 'app', exitCode: 137, reason: OOM }] },
    'container-failed',
    true,
    false,
    true,
  ],
  ['essential exit 1', { containers: [{ name: 'app', exitCode: 1 }] }, 'container-failed', true, false, true],
  [
    'essential exit 255',
    { containers: [{ name: 'app', exitCode: 255 }] },
    'container-failed',
    true,
    false,
    true,
  ],
  [
    'essential exit -1 (out of range)',
    { containers: [{ name: 'app', exitCode: -1 }] },
    'container-failed',
    true,
    false,
    true,
  ],
  [
    'no exit code, with a reason',
    { containers: [{ name: 'app', reason: 'CannotStartContainerError: exec format error' }] },
    'container-failed',
    true,
    false,
    true,
  ],
  [
    'essential exit 0: the task finished',
    { containers: [{ name: 'app', exitCode: 0 }] },
    'clean-exit',
    false,
    false,
    true,
  ],
  ['no exit code and no reason', { containers: [{ name: 'app' }] }, 'clean-exit', false, false, true],
  ['essential exit, but no containers listed', { containers: [] }, 'container-failed', true, false, true],
  // Requested stops: deploys, scale-ins and StopTask are not failures when containers stop cleanly.
  [
    'UserInitiated, exit 0',
    {
      stopCode: 'UserInitiated',
      stoppedReason: 'Task stopped by user',
      containers: [{ name: 'app', exitCode: 0 }],
    },
    'requested-stop',
    false,
    false,
    true,
  ],
  [
    'UserInitiated, exit 143 (SIGTERM)',
    { stopCode: 'UserInitiated', containers: [{ name: 'app', exitCode: 143 }] },
    'requested-stop',
    false,
    false,
    true,
  ],
  [
    'UserInitiated, no exit codes',
    { stopCode: 'UserInitiated', containers: [{ name: 'app' }] },
    'requested-stop',
    false,
    false,
    true,
  ],
  // ecs-pilot's own stop of a scheduled run past maxRuntimeMinutes: the work did not finish.
  [
    'UserInitiated by ecs-pilot for maximum runtime, exit 143',
    {
      stopCode: 'UserInitiated',
      stoppedReason: 'ecs-pilot: maximum runtime exceeded: schedule nightly ran 61 min, limit 60 min',
      containers: [{ name: 'app', exitCode: 143 }],
    },
    'max-runtime-exceeded',
    true,
    false,
    true,
  ],
  [
    'ServiceSchedulerInitiated with the maximum runtime wording (not ecs-pilot: a service stop)',
    {
      stopCode: 'ServiceSchedulerInitiated',
      stoppedReason: 'ecs-pilot: maximum runtime exceeded: schedule nightly ran 61 min, limit 60 min',
      containers: [{ name: 'app', exitCode: 0 }],
    },
    'requested-stop',
    false,
    false,
    true,
  ],
  [
    'scale-in, exit 0',
    {
      stopCode: 'ServiceSchedulerInitiated',
      stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/1)',
      containers: [{ name: 'app', exitCode: 0 }],
    },
    'requested-stop',
    false,
    false,
    true,
  ],
  [
    'deploy, exit 137 after the stop timeout',
    { stopCode: 'ServiceSchedulerInitiated', containers: [{ name: 'app', exitCode: 137 }] },
    'requested-stop',
    false,
    false,
    true,
  ],
  [
    'deploy, exit 130 (SIGINT)',
    { stopCode: 'ServiceSchedulerInitiated', containers: [{ name: 'app', exitCode: 130 }] },
    'requested-stop',
    false,
    false,
    true,
  ],
  [
    'scheduler stop, but the container exited 1',
    { stopCode: 'ServiceSchedulerInitiated', containers: [{ name: 'app', exitCode: 1 }] },
    'container-failed',
    true,
    false,
    true,
  ],
  [
    'scheduler stop, container out of memory',
    { stopCode: 'ServiceSchedulerInitiated', containers: [{ name: 'app', exitCode: 137, reason: OOM }] },
    'container-failed',
    true,
    false,
    true,
  ],
  [
    'user stop, container reason names an error',
    { stopCode: 'UserInitiated', containers: [{ name: 'app', reason: 'CannotStopContainerError: timeout' }] },
    'container-failed',
    true,
    false,
    true,
  ],
  [
    'failed ELB health checks',
    {
      stopCode: 'ServiceSchedulerInitiated',
      stoppedReason:
        'Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/web/1)',
      containers: [{ name: 'app', exitCode: 143 }],
    },
    'health-check-failed',
    true,
    false,
    true,
  ],
  [
    'failed container health checks',
    {
      stopCode: 'ServiceSchedulerInitiated',
      stoppedReason: 'Task failed container health checks',
      containers: [{ name: 'app', exitCode: 0 }],
    },
    'health-check-failed',
    true,
    false,
    true,
  ],
  // Spot: only with spot (or all-stops).
  [
    'Spot interruption',
    {
      stopCode: 'SpotInterruption',
      stoppedReason: 'Your Spot Task was interrupted.',
      containers: [{ name: 'app', exitCode: 143 }],
    },
    'spot-interruption',
    false,
    true,
    true,
  ],
  [
    'termination notice',
    {
      stopCode: 'TerminationNotice',
      stoppedReason: 'Host EC2 (instance i-0a1b2c3d4e5f67890) terminated.',
      containers: [{ name: 'app', exitCode: 143 }],
    },
    'termination-notice',
    false,
    true,
    true,
  ],
  // Unknown or missing stop codes alert rather than guess they were benign.
  [
    'an unknown stop code, clean exits',
    { stopCode: 'SomethingNew', containers: [{ name: 'app', exitCode: 0 }] },
    'unknown-stop',
    true,
    false,
    true,
  ],
  [
    'an unknown stop code, exit 2',
    { stopCode: 'SomethingNew', containers: [{ name: 'app', exitCode: 2 }] },
    'container-failed',
    true,
    false,
    true,
  ],
  [
    'no stop code at all',
    { stopCode: null, containers: [{ name: 'app', exitCode: 0 }] },
    'unknown-stop',
    true,
    false,
    true,
  ],
];

describe('Function: decideAlert', () => {
  describe.each([
    ['failures', 3],
    ['spot', 4],
    ['all-stops', 5],
  ] as const)('with notifyOn [%s]', (notifyOn, column) => {
    it.each(TABLE.map((row) => [row[0], row[1], row[2], row[column]] as const))(
      '%s → %s',
      (_, options, kind, notify) => {
        const decision = decideAlert(stopped(options), rules([notifyOn]));

        expect(decision.kind).toBe(kind);
        expect(decision.notify).toBe(notify);
        expect(decision.reason.length).toBeGreaterThan(10);
        if (!notify) expect(decision.reason).toContain(`does not include ${categoryOf(kind)}`);
      },
    );
  });

  it('alerts Spot and failures when notifyOn lists both', () => {
    const both = rules(['failures', 'spot']);

    expect(decideAlert(stopped({ stopCode: 'SpotInterruption' }), both).notify).toBe(true);
    expect(decideAlert(stopped(), both).notify).toBe(true);
    expect(
      decideAlert(stopped({ stopCode: 'UserInitiated', containers: [{ exitCode: 0 }] }), both).notify,
    ).toBe(false);
  });

  it.each<[SampleCase, boolean, AlertKind]>([
    ['oom', true, 'container-failed'],
    ['exit-1', true, 'container-failed'],
    ['exit-0', false, 'clean-exit'],
    ['failed-to-start-pull', true, 'failed-to-start'],
    ['failed-to-start-secrets', true, 'failed-to-start'],
    ['user-initiated', false, 'requested-stop'],
    ['scale-in', false, 'requested-stop'],
    ['elb-health-check', true, 'health-check-failed'],
    ['spot-interruption', false, 'spot-interruption'],
    ['termination-notice', false, 'termination-notice'],
  ])('decides the shipped sample %s with the default rules: notify %s (%s)', (name, notify, kind) => {
    const decision = decideAlert(parseTaskStateChange(sampleEvent(name)), rules(['failures']));

    expect({ notify: decision.notify, kind: decision.kind }).toEqual({ notify, kind });
  });

  it('covers every shipped sample in the table above', () => {
    expect(SAMPLE_CASES).toHaveLength(10);
  });

  it('puts the schedule and the limit of a maximum-runtime stop in the reason', () => {
    const reason = 'ecs-pilot: maximum runtime exceeded: schedule nightly ran 61 min, limit 60 min';

    const decision = decideAlert(
      stopped({ stopCode: 'UserInitiated', stoppedReason: reason }),
      rules(['failures']),
    );

    expect(decision).toMatchObject({ notify: true, kind: 'max-runtime-exceeded' });
    expect(decision.reason).toBe(`the task ran too long: ${reason}`);
  });

  it('names the failing container, its exit code and reason in the reason', () => {
    const decision = decideAlert(stopped(), rules(['failures']));

    expect(decision.reason).toBe(`essential container app exited with 137 (${OOM})`);
    expect(decision.failed.map((c) => c.name)).toEqual(['app']);
  });

  describe('with the task definition known', () => {
    const failingSidecar = stopped({
      containers: [
        { name: 'app', exitCode: 0 },
        { name: 'log-router', exitCode: 1 },
      ],
    });

    it('does not alert when only a non-essential container failed', () => {
      const decision = decideAlert(failingSidecar, rules(['failures']), { essential: new Set(['app']) });

      expect(decision).toMatchObject({ notify: false, kind: 'clean-exit' });
    });

    it('alerts on the same event when essential containers are unknown (a failure is never missed)', () => {
      const decision = decideAlert(failingSidecar, rules(['failures']));

      expect(decision).toMatchObject({ notify: true, kind: 'container-failed' });
      expect(decision.failed.map((c) => c.name)).toEqual(['log-router']);
    });

    it('alerts when the event does not report the essential container at all', () => {
      const decision = decideAlert(
        stopped({ containers: [{ name: 'log-router', exitCode: 0 }] }),
        rules(['failures']),
        {
          essential: new Set(['app']),
        },
      );

      expect(decision).toMatchObject({ notify: true, kind: 'container-failed' });
      expect(decision.reason).toContain('does not report it');
    });
  });

  describe('filters before the stop code', () => {
    it('ignores events that are not STOPPED', () => {
      expect(decideAlert(stopped({ lastStatus: 'RUNNING' }), rules(['all-stops']))).toMatchObject({
        notify: false,
        kind: 'not-stopped',
        reason: 'lastStatus is RUNNING, not STOPPED',
      });
    });

    it.each([
      [['prod'], 'prod', true],
      [['media', 'prod'], 'prod', true],
      [['media'], 'prod', false],
      [['prod'], 'prod-2', false],
      [['arn:aws:ecs:eu-west-1:111122223333:cluster/prod'], 'prod', true],
      [['arn:aws:ecs:us-east-1:111122223333:cluster/prod'], 'prod', false],
      [undefined, 'anything', true],
    ])('with clusters %j, a task in %s is watched: %s', (clusters, cluster, watched) => {
      const event = stopped({ cluster });

      expect(watchesCluster(clusters, event)).toBe(watched);
      const decision = decideAlert(event, rules(['failures'], { clusters }));
      expect(decision.notify).toBe(watched);
      if (!watched)
        expect(decision).toMatchObject({
          kind: 'not-watched',
          reason: `cluster ${cluster} is not in alerts.clusters`,
        });
    });

    it('ignores configured services and families, even with all-stops', () => {
      const ignoring = rules(['all-stops'], { ignore: { services: ['web'], families: ['nightly'] } });

      expect(decideAlert(stopped({ service: 'web' }), ignoring)).toMatchObject({
        notify: false,
        kind: 'ignored-by-config',
        reason: 'service web is in alerts.ignore.services',
      });
      expect(decideAlert(stopped({ group: 'family:nightly', family: 'nightly' }), ignoring)).toMatchObject({
        notify: false,
        reason: 'task definition family nightly is in alerts.ignore.families',
      });
      expect(decideAlert(stopped({ service: 'api' }), ignoring).notify).toBe(true);
    });
  });

  it('keeps reasons short for a huge stopped reason', () => {
    const decision = decideAlert(
      stopped({ stopCode: 'TaskFailedToStart', stoppedReason: 'x'.repeat(100_000) }),
      rules(['failures']),
    );

    expect(decision.reason.length).toBeLessThan(400);
  });
});

describe('Function: classifyStop', () => {
  it('lists every failing container of a start failure', () => {
    const result = classifyStop(
      stopped({
        stopCode: 'TaskFailedToStart',
        containers: [{ name: 'a', reason: 'CannotPullContainerError' }, { name: 'b' }],
      }),
    );

    expect(result.failed.map((c) => c.name)).toEqual(['a']);
  });
});

describe('Function: describeExit', () => {
  it.each([
    [{ name: 'app', exitCode: 137, reason: OOM, runtimeId: undefined }, `app exited with 137 (${OOM})`],
    [{ name: 'app', exitCode: 1, reason: undefined, runtimeId: undefined }, 'app exited with 1'],
    [
      { name: 'app', exitCode: undefined, reason: 'CannotPull', runtimeId: undefined },
      'app stopped without an exit code (CannotPull)',
    ],
  ])('describes %j', (container, expected) => {
    expect(describeExit(container)).toBe(expected);
  });
});
