import { CreateRepositoryCommand } from '@aws-sdk/client-ecr';
import { GetQueueUrlCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { main } from '../../../../bin/cli';
import { resetEmulator } from '../../../../local/emulator';
import { setUpLocal, type LocalAccount } from '../../../../local/harness';
import { pushImage } from '../../../../local/images';
import { packageStage, projectRoot } from '../../../../local/package';
import { parseSlot } from '../../../../shared/schedules/slot';

/** Runs the CLI as a user types it, with what it prints. */
async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { log: (l) => out.push(l), error: (l) => err.push(l) });
  return { code, out, err };
}

const ENV = [
  'AWS_ENDPOINT_URL',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_REGION',
  'ECS_PILOT_CONFIG',
];

describe('CLI against the emulator: stage-aware commands on the demo world', () => {
  let account: LocalAccount;
  const saved = Object.fromEntries(ENV.map((key) => [key, process.env[key]]));
  const queueUrl = async (name: string) =>
    (await account.clients.sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl!;

  beforeAll(async () => {
    const endpoint = inject('emulatorEndpoint');
    await resetEmulator(endpoint);
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      // The stage's region (config/local.yml: us-east-1) must be what the commands use, not this one.
      AWS_REGION: 'eu-north-1',
    });
    delete process.env.ECS_PILOT_CONFIG;
    const templatePath = await packageStage('local', { outDir: '.serverless-cli' });
    account = await setUpLocal({ endpoint, templatePath, configPath: `${projectRoot}/config/local.yml` });
  }, 300_000);

  afterAll(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  it('dlq list: every dead-letter queue of the stage, empty, with where it redrives to', async () => {
    const { code, out } = await run('dlq', 'list', '--stage', 'local');

    expect(code).toBe(0);
    expect(out).toContain(
      'uploads: 0 messages in ecs-pilot-local-uploads-dlq (redrive to ecs-pilot-local-uploads)',
    );
    expect(out).toContain(
      'schedules: 0 messages in ecs-pilot-local-schedules-dlq (redrive to ecs-pilot-local-schedules)',
    );
    expect(out).toContain('images: 0 messages in ecs-pilot-local-images-dlq (no redrive)');
  });

  it('dlq list: a dead-lettered upload with its reason, left in the queue after the peek', async () => {
    // Prepare: what uploadToTask writes when it gives up
    await account.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: await queueUrl('ecs-pilot-local-uploads-dlq'),
        MessageBody: '{"detail-type":"Object Created"}',
        MessageAttributes: {
          'ecs-pilot-reason': {
            DataType: 'String',
            StringValue: 'permanent failure: ClusterNotFoundException',
          },
          'ecs-pilot-failed-at': { DataType: 'String', StringValue: '2026-12-07T10:00:00.000Z' },
          'ecs-pilot-attempts': { DataType: 'Number', StringValue: '1' },
          'ecs-pilot-key': { DataType: 'String', StringValue: 'incoming/a.jpg' },
        },
      }),
    );

    // Act: twice, since a peek must not take the message
    const first = await run('dlq', 'list', '--stage', 'local');
    const second = await run('dlq', 'list', '--stage', 'local', '--peek', '1');

    // Assess
    for (const { code, out } of [first, second]) {
      expect(code).toBe(0);
      expect(out).toContain(
        'uploads: 1 message in ecs-pilot-local-uploads-dlq (redrive to ecs-pilot-local-uploads)',
      );
      expect(out).toContain(
        '  2026-12-07T10:00:00.000Z  permanent failure: ClusterNotFoundException  [attempts=1 key=incoming/a.jpg]',
      );
    }
  });

  it('dlq redrive: refuses a dead-letter queue that has no queue to go back to, saying what to do', async () => {
    const { code, err } = await run('dlq', 'redrive', 'images', '--stage', 'local');

    expect(code).toBe(1);
    expect(err.join('\n')).toMatch(/^images cannot be redriven: it holds failed enforceImages invocations/);
  });

  it('dlq redrive: suggests the queue a typo meant', async () => {
    const { code, err } = await run('dlq', 'redrive', 'upload', '--stage', 'local');

    expect(code).toBe(2);
    expect(err.join('\n')).toContain(
      'no dead-letter queue "upload" in stage local (did you mean "uploads"?)',
    );
  });

  it('status: dead-letter depths (WARN where something waits), each scaler, each schedule, and exit 0', async () => {
    const { code, out, err } = await run('status', '--stage', 'local', '--now', '2026-12-07T10:20:00Z');

    expect(err).toEqual([]);
    expect(code).toBe(0);
    expect(out[0]).toBe('stage local (config/local.yml), region us-east-1, at 2026-12-07T10:20:00.000Z');
    expect(out).toContain('  WARN uploads: 1');
    expect(out).toContain('  schedules: 0');
    expect(out.find((l) => l.startsWith('  video-workers: '))).toMatch(
      /^ {2}video-workers: queue 0 visible \/ 0 in flight \/ 0 delayed; video-worker desired 0, running 0 \(min 0, max 5\)$/,
    );
    expect(out).toContain(
      '  hourly-report: 2026-12-07T12:20:00+01:00 Europe/Berlin (2026-12-07T11:20:00.000Z)',
    );
  });

  it('schedule run: puts one slot of now on the schedules queue, in the shape runSchedule reads', async () => {
    const before = Date.now();
    const { code, out } = await run('schedule', 'run', 'hourly-report', '--stage', 'local');

    expect(code).toBe(0);
    expect(out[0]).toMatch(
      /^slot \S+Z of hourly-report queued on ecs-pilot-local-schedules \(message \S+\)$/,
    );
    const { Messages = [] } = await account.clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: await queueUrl('ecs-pilot-local-schedules'),
        MaxNumberOfMessages: 10,
      }),
    );
    expect(Messages).toHaveLength(1);
    const slot = parseSlot(JSON.parse(Messages[0]!.Body!));
    expect(slot.schedule).toBe('hourly-report');
    expect(slot.scheduledTime.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(slot.scheduledTime.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it('schedule run: names the schedules there are for an unknown one, and queues nothing', async () => {
    const { code, err } = await run('schedule', 'run', 'hourly-reprot', '--stage', 'local');

    expect(code).toBe(1);
    expect(err.join('\n')).toMatch(
      /^no schedule "hourly-reprot" in config\/local.yml \(did you mean "hourly-report"\?\)/,
    );
  });

  it('schedule next without a name: every schedule of the stage', async () => {
    const { code, out } = await run(
      'schedule',
      'next',
      '--stage',
      'local',
      '--from',
      '2026-12-07T10:20:00Z',
      '--count',
      '1',
    );

    expect(code).toBe(0);
    expect(out[0]).toMatch(/^\d+ schedules? in config\/local.yml, after 2026-12-07T10:20:00.000Z:$/);
    expect(out).toContain('hourly-report: rate(1 hour) in Europe/Berlin');
    expect(out).toContain('  2026-12-07T12:20:00+01:00   2026-12-07T11:20:00.000Z');
  });

  it('images plan: keeps and deletes with a reason per image, in preview, deleting nothing', async () => {
    // Prepare: two untagged images and a tagged one in a repository the demo config covers
    const ecr = account.clients.ecr;
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'demo/plan' }));
    for (const [layer, tag] of [
      [1, undefined],
      [2, undefined],
      [3, 'v1'],
    ] as const)
      await pushImage(ecr, 'demo/plan', layer, tag);

    // Act
    const first = await run('images', 'plan', '--stage', 'local', '--repository', 'demo/plan');
    const second = await run('images', 'plan', '--stage', 'local', '--repository', 'demo/plan');

    // Assess: the same plan twice, so the first deleted nothing
    expect(first.code).toBe(0);
    expect(first.out[0]).toMatch(/^demo\/plan:/);
    const decisions = first.out.filter((l) => /^ {2}(DELETE|keep)/.test(l));
    expect(decisions).toHaveLength(3);
    expect(first.out.join('\n')).toContain('preview');
    expect(second.out.filter((l) => /^ {2}(DELETE|keep)/.test(l))).toEqual(decisions);
  });
});
