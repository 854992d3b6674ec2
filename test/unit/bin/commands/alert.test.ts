import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alert } from '../../../../bin/commands/alert';
import { stoppedEvent } from '../../shared/alerts/fixtures';

/** Runs the command and captures what it prints. */
async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await alert(args, { log: (l) => out.push(l), error: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const dir = mkdtempSync(join(tmpdir(), 'ecs-pilot-alert-cli-'));
const file = (name: string, content: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};

describe('Command: ecs-pilot alert render', () => {
  it('prints the subject, the body and the attributes of an alert', async () => {
    const { code, out } = await run('render', 'events/ecs-task-stopped-oom.json');

    expect(code).toBe(0);
    expect(out).toMatch(
      /^Subject: ECS service web in prod: app exited 137 \(out of memory\)\n\nECS service web in cluster prod: app exited 137 \(out of memory\)\.\n/,
    );
    expect(out).toContain('\nWhat it likely means\n  - app: out of memory:');
    expect(out).toContain(
      '\nMessage attributes: cluster=prod service=web family=web stopCode=EssentialContainerExited exitCode=137 kind=container-failed alert=task',
    );
  });

  it('prints why an event is ignored', async () => {
    const { code, out } = await run('render', 'events/ecs-task-stopped-scale-in.json');

    expect(code).toBe(0);
    expect(out).toMatch(
      /^ignored \(requested-stop\): ServiceSchedulerInitiated: the service scheduler stopped it/,
    );
    expect(out).toContain('alerts.notifyOn [failures] does not include all-stops');
  });

  it('prints JSON with --json, alerted or not', async () => {
    const alerted = JSON.parse(
      (await run('render', 'events/ecs-task-stopped-failed-to-start-pull.json', '--json')).out,
    ) as Record<string, unknown>;
    const ignored = JSON.parse(
      (await run('render', '--json', 'events/ecs-task-stopped-exit-0.json')).out,
    ) as Record<string, unknown>;

    expect(Object.keys(alerted)).toEqual(['notify', 'reason', 'kind', 'subject', 'body', 'attributes']);
    expect(alerted).toMatchObject({
      notify: true,
      kind: 'failed-to-start',
      subject: 'ECS service web in prod: failed to start (CannotPullContainerError)',
      attributes: {
        cluster: 'prod',
        service: 'web',
        family: 'web',
        stopCode: 'TaskFailedToStart',
        kind: 'failed-to-start',
        alert: 'task',
      },
    });
    expect(alerted.body).toContain('image or registry access');
    expect(ignored).toEqual({
      notify: false,
      reason: expect.stringContaining('essential containers exited cleanly'),
      kind: 'clean-exit',
      subject: null,
      body: null,
      attributes: {},
    });
  });

  it('decides with the alerts section of --config', async () => {
    const config = file('config.yml', 'alerts:\n  emails: [oncall@example.com]\n  notifyOn: [spot]\n');

    const spot = JSON.parse(
      (await run('render', 'events/ecs-task-stopped-spot-interruption.json', '--config', config, '--json'))
        .out,
    ) as { notify: boolean };
    const oom = JSON.parse(
      (await run('render', 'events/ecs-task-stopped-oom.json', '--config', config, '--json')).out,
    ) as { notify: boolean; reason: string };

    expect(spot.notify).toBe(true);
    expect(oom.notify).toBe(false);
    expect(oom.reason).toContain('alerts.notifyOn [spot] does not include failures');
  });

  it('adds essential flags and log links with --task-definition', async () => {
    const taskDefinition = file('td.json', {
      taskDefinition: {
        containerDefinitions: [
          {
            name: 'app',
            essential: true,
            logConfiguration: {
              logDriver: 'awslogs',
              options: { 'awslogs-group': '/ecs/web', 'awslogs-stream-prefix': 'ecs' },
            },
          },
          { name: 'log-router', essential: false },
        ],
      },
    });

    const { out } = await run(
      'render',
      'events/ecs-task-stopped-oom.json',
      '--task-definition',
      taskDefinition,
    );

    expect(out).toContain('    - app (essential): exit code 137');
    expect(out).toContain(
      '  Logs: app        https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/$252Fecs$252Fweb/log-events/ecs$252Fapp$252F6f4c1a2b3d4e4f5a8b9c0d1e2f3a4b5c',
    );
  });

  it('renders an event with non-ASCII names', async () => {
    const event = file(
      'unicode.json',
      stoppedEvent({
        service: 'café-☕',
        containers: [{ name: 'app', exitCode: 1, reason: 'Fehler: „ü.txt“ fehlt' }],
      }),
    );

    const { code, out } = await run('render', event);

    expect(code).toBe(0);
    expect(out).toContain('Subject: ECS service cafe-? in prod: app exited 1\n');
    expect(out).toContain('  Service          café-☕\n');
    expect(out).toContain('reason: Fehler: „ü.txt“ fehlt');
  });

  it.each([
    [
      'a missing event file',
      ['render', '/nonexistent/event.json'],
      'invalid: /nonexistent/event.json',
      'cannot read the event file (ENOENT)',
    ],
    [
      'an event file that is not JSON',
      ['render', file('bad.json', '{')],
      'invalid:',
      'the event file is not JSON',
    ],
    [
      'another kind of event',
      ['render', file('s3.json', { source: 'aws.s3', 'detail-type': 'Object Created', detail: {} })],
      'invalid:',
      'not an ECS "Task State Change" EventBridge event',
    ],
    [
      'a config without alerts',
      [
        'render',
        'events/ecs-task-stopped-oom.json',
        '--config',
        file(
          'noalerts.yml',
          'scalers: [{ name: w, queue: q, cluster: c, service: s, messagesPerTask: 1, min: 0, max: 1 }]\n',
        ),
      ],
      'invalid:',
      'alerts: not configured in this file',
    ],
    [
      'an invalid config',
      [
        'render',
        'events/ecs-task-stopped-oom.json',
        '--config',
        file('broken.yml', 'alerts:\n  emails: [nope]\n'),
      ],
      'invalid:',
      'alerts.emails[0]: an email address',
    ],
    [
      'a task definition file without containers',
      [
        'render',
        'events/ecs-task-stopped-oom.json',
        '--task-definition',
        file('td-bad.json', { family: 'web' }),
      ],
      'invalid:',
      'not a task definition',
    ],
  ])('exits 1 for %s, saying why', async (_, args, first, detail) => {
    const { code, err } = await run(...args);

    expect(code).toBe(1);
    expect(err).toContain(first);
    expect(err).toContain(detail);
  });

  it.each([
    [[]],
    [['render']],
    [['show', 'x.json']],
    [['render', 'a.json', 'b.json']],
    [['render', 'a.json', '--nope']],
  ])('exits 2 with usage for %j', async (args) => {
    const { code, err } = await run(...args);

    expect(code).toBe(2);
    expect(err).toContain('Usage: ecs-pilot alert render <event.json>');
  });

  it('explains itself with --help', async () => {
    const { code, out } = await run('--help');

    expect(code).toBe(0);
    expect(out).toContain('--json');
    expect(out).toContain('Noise control (grouping repeated failures of a service) is not simulated');
  });
});
