import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideAlert, type AlertRules } from '../../../../shared/alerts/decide';
import { parseTaskStateChange, type TaskStateChange } from '../../../../shared/alerts/event';
import {
  asEmail,
  formatDuration,
  formatTime,
  LIMITS,
  MAX_BODY_BYTES,
  renderAlert,
  renderSummary,
} from '../../../../shared/alerts/render';
import { taskDefinitionInfo, type TaskDefinitionInfo } from '../../../../shared/alerts/task-definition';
import { utf8Bytes } from '../../../../shared/kernel/notify/text';
import { SAMPLE_CASES, sampleEvent, stopped, stoppedEvent } from './fixtures';
import { MAX_SUBJECT } from '../../../../shared/kernel/notify/text';

const ALL: AlertRules = { notifyOn: ['all-stops'], ignore: { services: [], families: [] } };

/** The web service's task definition: an essential app and a log router, both on awslogs. */
const WEB: TaskDefinitionInfo = taskDefinitionInfo({
  containerDefinitions: [
    {
      name: 'app',
      essential: true,
      logConfiguration: {
        logDriver: 'awslogs',
        options: {
          'awslogs-group': '/ecs/web',
          'awslogs-region': 'eu-west-1',
          'awslogs-stream-prefix': 'ecs',
        },
      },
    },
    {
      name: 'log-router',
      essential: false,
      logConfiguration: {
        logDriver: 'awslogs',
        options: {
          'awslogs-group': '/ecs/web',
          'awslogs-region': 'eu-west-1',
          'awslogs-stream-prefix': 'firelens',
        },
      },
    },
  ],
})!;

const render = (event: TaskStateChange, taskDefinition?: TaskDefinitionInfo, region?: string) =>
  renderAlert(event, { decision: decideAlert(event, ALL), taskDefinition, region });

describe('Function: renderAlert', () => {
  it('renders the OOM sample as an email a person can act on', () => {
    const event = parseTaskStateChange(sampleEvent('oom'));

    const alert = renderAlert(event, {
      decision: decideAlert(event, ALL, { essential: new Set(['app']) }),
      taskDefinition: WEB,
    });

    expect(alert.subject).toBe('ECS service web in prod: app exited 137 (out of memory)');
    expect(alert.body).toBe(
      [
        'ECS service web in cluster prod: app exited 137 (out of memory).',
        '',
        'What stopped',
        '  Cluster          prod',
        '  Service          web',
        '  Task definition  web:42',
        '  Task             6f4c1a2b3d4e4f5a8b9c0d1e2f3a4b5c',
        '  Started by       ecs-svc/4821937465018273645',
        '  Launch           FARGATE',
        '  Created          2026-11-21 09:18:02 UTC',
        '  Started          2026-11-21 09:18:16 UTC',
        '  Stopped          2026-11-21 09:42:16 UTC',
        '  Run time         24 min 00 s',
        '',
        'Why',
        '  Stop code        EssentialContainerExited',
        '  Stopped reason   Essential container in task exited',
        '  Containers',
        '    - app (essential): exit code 137, reason: OutOfMemoryError: Container killed due to memory usage',
        '    - log-router: exit code 0',
        '',
        'What it likely means',
        '  - app: out of memory: the container used more memory than its limit and was killed. Raise memory in the task definition, or find what grew (a leak, an unusually large input).',
        '',
        'Where to look',
        '  Task (console)   https://eu-west-1.console.aws.amazon.com/ecs/v2/clusters/prod/tasks/6f4c1a2b3d4e4f5a8b9c0d1e2f3a4b5c/configuration?region=eu-west-1',
        '  Logs: app        https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/$252Fecs$252Fweb/log-events/ecs$252Fapp$252F6f4c1a2b3d4e4f5a8b9c0d1e2f3a4b5c',
        '  Logs: log-router https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/$252Fecs$252Fweb/log-events/firelens$252Flog-router$252F6f4c1a2b3d4e4f5a8b9c0d1e2f3a4b5c',
        '',
        '--',
        'ecs-pilot stop alert (container-failed): essential container app exited with 137 (OutOfMemoryError: Container killed due to memory usage)',
        'Event 9a3c6e4b-1f2d-4c5e-8a7b-0d9e8f7a6b5c, task version 5. Subscribers can filter on the message attributes cluster, service, family, stopCode, exitCode and kind.',
      ].join('\n'),
    );
    expect(alert.attributes).toEqual({
      cluster: 'prod',
      service: 'web',
      family: 'web',
      stopCode: 'EssentialContainerExited',
      exitCode: '137',
      kind: 'container-failed',
      alert: 'task',
    });
  });

  it.each([
    ['oom', 'ECS service web in prod: app exited 137 (out of memory)'],
    ['exit-1', 'ECS task nightly-report in batch: report exited 1'],
    ['exit-0', 'ECS task nightly-report in batch: finished (exit 0)'],
    ['failed-to-start-pull', 'ECS service web in prod: failed to start (CannotPullContainerError)'],
    ['failed-to-start-secrets', 'ECS service api in prod: failed to start (ResourceInitializationError)'],
    ['user-initiated', 'ECS service web in prod: stopped (UserInitiated)'],
    ['scale-in', 'ECS service web in prod: stopped (ServiceSchedulerInitiated)'],
    ['elb-health-check', 'ECS service web in prod: failed ELB health checks'],
    ['spot-interruption', 'ECS task thumbnailer in media: Spot interruption'],
    ['termination-notice', 'ECS service api in api: termination notice'],
  ] as const)('names the service or family, the cluster and the kind of stop for %s', (name, subject) => {
    expect(render(parseTaskStateChange(sampleEvent(name))).subject).toBe(subject);
  });

  it('says a maximum-runtime stop by ecs-pilot is one, with the schedule and the limit', () => {
    const reason = 'ecs-pilot: maximum runtime exceeded: schedule nightly ran 61 min, limit 60 min';
    const event = parseTaskStateChange({
      ...sampleEvent('user-initiated'),
      detail: { ...sampleEvent('user-initiated').detail, stoppedReason: reason },
    });

    const alert = render(event);

    expect(alert.subject).toBe('ECS service web in prod: stopped: maximum runtime exceeded');
    expect(alert.body).toContain(reason);
    expect(alert.body).toContain("took longer than its schedule's maxRuntimeMinutes");
    expect(alert.attributes.kind).toBe('max-runtime-exceeded');
  });

  it.each(SAMPLE_CASES)('renders every section for the %s sample', (name) => {
    const { body } = render(parseTaskStateChange(sampleEvent(name)));

    for (const section of ['What stopped', 'Why', 'What it likely means', 'Where to look']) {
      expect(body).toContain(`\n${section}\n`);
    }
    expect(body).toMatch(
      /Task \(console\) {3}https:\/\/eu-west-1\.console\.aws\.amazon\.com\/ecs\/v2\/clusters\//,
    );
  });

  it('renders a start failure with no containers and no start time', () => {
    const { body } = render(parseTaskStateChange(sampleEvent('failed-to-start-secrets')));

    expect(body).toContain('  Started          never\n');
    expect(body).toContain('  Run time         never started (stopped 32.2 s after it was created)\n');
    expect(body).toContain('    (none reported: the task stopped before its containers were created)\n');
    expect(body).toContain('  - secrets, network or log setup:');
    expect(body).toContain('  (no log links: the task definition was not available)');
  });

  it('shows the group for standalone tasks, and no service attribute', () => {
    const alert = render(parseTaskStateChange(sampleEvent('exit-1')));

    expect(alert.body).toContain('  Group            family:nightly-report\n');
    expect(alert.body).not.toContain('  Service ');
    expect(alert.attributes).toEqual({
      cluster: 'batch',
      family: 'nightly-report',
      stopCode: 'EssentialContainerExited',
      exitCode: '1',
      kind: 'container-failed',
      alert: 'task',
    });
  });

  it('leaves out the exit code attribute when no failing container has one', () => {
    expect(
      render(parseTaskStateChange(sampleEvent('failed-to-start-pull'))).attributes.exitCode,
    ).toBeUndefined();
  });

  describe('links per region and partition', () => {
    it.each([
      [
        'us-east-1',
        'aws',
        'https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/prod/tasks/t1/configuration?region=us-east-1',
      ],
      [
        'ap-northeast-1',
        'aws',
        'https://ap-northeast-1.console.aws.amazon.com/ecs/v2/clusters/prod/tasks/t1/configuration?region=ap-northeast-1',
      ],
      [
        'cn-north-1',
        'aws-cn',
        'https://console.amazonaws.cn/ecs/v2/clusters/prod/tasks/t1/configuration?region=cn-north-1',
      ],
      [
        'us-gov-west-1',
        'aws-us-gov',
        'https://console.amazonaws-us-gov.com/ecs/v2/clusters/prod/tasks/t1/configuration?region=us-gov-west-1',
      ],
    ])('links the task in %s (%s)', (region, partition, url) => {
      expect(render(stopped({ region, partition, taskId: 't1' })).body).toContain(
        `  Task (console)   ${url}\n`,
      );
    });

    it('links logs in the region the task definition logs to, which may differ from the task region', () => {
      const info = taskDefinitionInfo({
        containerDefinitions: [
          {
            name: 'app',
            logConfiguration: {
              logDriver: 'awslogs',
              options: {
                'awslogs-group': 'g',
                'awslogs-region': 'eu-central-1',
                'awslogs-stream-prefix': 'p',
              },
            },
          },
        ],
      });

      const { body } = render(stopped({ region: 'eu-west-1', taskId: 't1' }), info);

      expect(body).toContain(
        '  Logs: app        https://eu-central-1.console.aws.amazon.com/cloudwatch/home?region=eu-central-1#logsV2:log-groups/log-group/g/log-events/p$252Fapp$252Ft1\n',
      );
    });

    it('links the Docker-id stream without a prefix, and the group when the id is unknown', () => {
      const info = taskDefinitionInfo({
        containerDefinitions: [
          { name: 'app', logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': 'g' } } },
          {
            name: 'log-router',
            logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': 'h' } },
          },
        ],
      });
      const event = stopped({
        region: 'us-west-2',
        containers: [
          { name: 'app', exitCode: 1, runtimeId: 'abc123' },
          { name: 'log-router', exitCode: 0 },
        ],
      });

      const { body } = render(event, info);

      expect(body).toContain('log-group/g/log-events/abc123\n');
      expect(body).toContain(
        '  Logs: log-router https://us-west-2.console.aws.amazon.com/cloudwatch/home?region=us-west-2#logsV2:log-groups/log-group/h\n',
      );
    });

    it('uses the function region when the event names none, and renders no link without any', () => {
      const raw = stoppedEvent({ taskId: 't1' }) as Record<string, unknown> & {
        detail: Record<string, unknown>;
      };
      delete raw.region;
      raw.detail.clusterArn = 'prod';
      raw.detail.taskArn = 't1';

      const event = parseTaskStateChange(raw);

      expect(render(event, undefined, 'sa-east-1').body).toContain(
        'https://sa-east-1.console.aws.amazon.com/ecs/v2/clusters/prod/tasks/t1/',
      );
      expect(render(event).body).toContain('  (no console link: unknown region or partition)');
    });
  });

  describe('bad input', () => {
    it('truncates a huge stopped reason and keeps the body under the SNS size limit', () => {
      const huge = `CannotPullContainerError: ${'x'.repeat(500_000)}`;

      const alert = render(stopped({ stopCode: 'TaskFailedToStart', stoppedReason: huge }));

      const reasonLine = alert.body.split('\n').find((l) => l.startsWith('  Stopped reason'))!;
      expect(reasonLine.length).toBeLessThanOrEqual(19 + LIMITS.reason);
      expect(reasonLine.endsWith('…')).toBe(true);
      expect(utf8Bytes(alert.body)).toBeLessThan(MAX_BODY_BYTES);
      expect(alert.subject).toBe('ECS service web in prod: failed to start (CannotPullContainerError)');
    });

    it('lists at most 20 containers and counts the rest', () => {
      const containers = Array.from({ length: 45 }, (_, i) => ({
        name: `c${i}`,
        exitCode: 1,
        reason: 'é'.repeat(5000),
      }));

      const alert = render(stopped({ containers }));

      expect(alert.body).toContain('    … and 25 more\n');
      expect(alert.body.match(/^ {4}- c\d+/gm)).toHaveLength(LIMITS.containers);
      expect(alert.subject).toBe('ECS service web in prod: c0 exited 1 (+44 more)');
      expect(utf8Bytes(alert.body)).toBeLessThanOrEqual(MAX_BODY_BYTES);
    });

    it('keeps non-ASCII names and reasons exactly in the body and folds them to ASCII in the subject', () => {
      const event = stopped({
        cluster: 'producción',
        service: 'café-☕',
        containers: [{ name: 'größe', exitCode: 1, reason: 'Fehler: Datei „ü.txt“ fehlt 日本 😀' }],
      });

      const alert = render(event);

      expect(alert.subject).toBe('ECS service cafe-? in produccion: grosse exited 1');
      expect(alert.body).toContain('  Service          café-☕\n');
      expect(alert.body).toContain('    - größe: exit code 1, reason: Fehler: Datei „ü.txt“ fehlt 日本 😀\n');
      expect(alert.attributes.service).toBe('café-☕');
    });

    it('keeps control characters and line breaks in event text from breaking the layout', () => {
      const alert = render(
        stopped({ containers: [{ name: 'app\nX-Injected: 1', exitCode: 1, reason: 'a\r\nb\u0000c' }] }),
      );

      expect(alert.subject).not.toMatch(/[\r\n]/);
      expect(alert.body).toContain('    - app X-Injected: 1: exit code 1, reason: a b c\n');
      expect(alert.body.split('\n').some((l) => l.startsWith('X-Injected'))).toBe(false);
    });

    it('renders an unknown stop code and a missing one', () => {
      expect(
        render(stopped({ stopCode: 'BrandNewCode', containers: [{ name: 'app', exitCode: 0 }] })).subject,
      ).toBe('ECS service web in prod: stopped (BrandNewCode)');
      const missing = render(stopped({ stopCode: null, containers: [{ name: 'app', exitCode: 0 }] }));
      expect(missing.subject).toBe('ECS service web in prod: stopped (no stop code)');
      expect(missing.body).toContain('  Stop code        none given\n');
    });

    it('clips attribute values and leaves out empty ones', () => {
      const alert = render(stopped({ service: 's'.repeat(1000), stopCode: 'X'.repeat(600) }));

      for (const value of Object.values(alert.attributes)) {
        expect(value.length).toBeGreaterThan(0);
        expect(value.length).toBeLessThanOrEqual(LIMITS.attribute);
      }
    });

    it('keeps every subject printable ASCII, without line breaks, under 100 characters, naming the cluster', () => {
      const text = fc.string({ unit: 'binary', minLength: 1, maxLength: 400 });
      fc.assert(
        fc.property(
          fc.record({
            cluster: text,
            service: text,
            stopCode: fc.option(text, { nil: null }),
            stoppedReason: text,
            name: text,
            exitCode: fc.option(fc.integer({ min: -1, max: 300 }), { nil: null }),
            reason: text,
          }),
          (input) => {
            const event = stopped({
              cluster: input.cluster.replace(/[/:]/g, '_'),
              service: input.service,
              stopCode: input.stopCode,
              stoppedReason: input.stoppedReason,
              containers: [{ name: input.name, exitCode: input.exitCode, reason: input.reason }],
            });
            const alert = render(event);
            expect(alert.subject.length).toBeLessThanOrEqual(MAX_SUBJECT);
            expect(alert.subject).toMatch(/^ECS (service|task) [\x20-\x7E]+$/);
            expect(alert.subject).toContain(' in ');
            expect(utf8Bytes(alert.body)).toBeLessThanOrEqual(MAX_BODY_BYTES);
            expect(Buffer.from(alert.body, 'utf8').toString('utf8')).toBe(alert.body);
          },
        ),
        { numRuns: 200 },
      );
    }, 60_000); // a property over 400-character binary strings: slow on a loaded 2-core machine, never stuck
  });
});

describe('Function: renderSummary', () => {
  const event = parseTaskStateChange(sampleEvent('oom'));
  const context = { decision: decideAlert(event, ALL), taskDefinition: WEB };
  const noise = {
    failures: 4,
    maxPerWindow: 3,
    windowMinutes: 15,
    windowStart: new Date('2026-11-21T09:30:00Z'),
    windowEnd: new Date('2026-11-21T09:45:00Z'),
  };

  it('says the service keeps failing, that the rest of the window is muted, then details the failure', () => {
    const summary = renderSummary(event, context, noise);

    expect(summary.subject).toBe(
      'ECS service web in prod: failing repeatedly (4 in 15 min), muted until 09:45 UTC',
    );
    expect(summary.body).toMatch(
      /^ECS service web in cluster prod keeps failing: 4 failures since 09:30 UTC \(alerts are grouped in windows of 15 min\)\.\nThe first 3 were mailed one by one; this is failure 4\. Further failures until 09:45 UTC are counted/,
    );
    expect(summary.body).toContain(
      '\nThe failure that triggered this summary:\n\nECS service web in cluster prod: app exited 137 (out of memory).\n',
    );
    expect(summary.body).toContain('Logs: app');
    expect(summary.attributes).toMatchObject({ alert: 'summary', service: 'web', exitCode: '137' });
  });

  it('shows dates for windows longer than an hour', () => {
    const summary = renderSummary(event, context, {
      ...noise,
      windowMinutes: 1440,
      windowStart: new Date('2026-11-21T00:00:00Z'),
      windowEnd: new Date('2026-11-22T00:00:00Z'),
    });

    expect(summary.subject).toBe(
      'ECS service web in prod: failing repeatedly (4 in 1440 min), muted until 2026-11-22 00:00 UTC',
    );
    expect(summary.body).toContain('since 2026-11-21 00:00 UTC');
  });
});

describe('Function: formatDuration', () => {
  it.each([
    [3_240, '3.2 s'],
    [59_949, '59.9 s'],
    [60_000, '1 min 00 s'],
    [1_471_000, '24 min 31 s'],
    [3_725_000, '1 h 02 min 05 s'],
    [3 * 24 * 3600_000 + 7_200_000, '3 d 2 h'],
    [-5, 'unknown (stopped before it started)'],
  ])('formats %i ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('Function: formatTime', () => {
  it('formats ISO timestamps in UTC and passes anything else through, clipped', () => {
    expect(formatTime('2026-11-21T09:42:16.861Z')).toBe('2026-11-21 09:42:16 UTC');
    expect(formatTime('2026-11-21T11:42:16+02:00')).toBe('2026-11-21 09:42:16 UTC');
    expect(formatTime('yesterday')).toBe('yesterday');
    expect(formatTime(undefined)).toBeUndefined();
  });
});

describe('Function: asEmail', () => {
  it('joins subject and body as a mail client shows them', () => {
    expect(asEmail({ subject: 'S', body: 'B', attributes: {} })).toBe('Subject: S\n\nB');
  });
});
