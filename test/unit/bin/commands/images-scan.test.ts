import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { DescribeRegistryCommand, ECRClient } from '@aws-sdk/client-ecr';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListClustersCommand,
  ListServicesCommand,
  ListTaskDefinitionFamiliesCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
} from '@aws-sdk/client-ecs';
import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { EventBridgeClient, ListRulesCommand } from '@aws-sdk/client-eventbridge';
import { ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { images } from '../../../../bin/commands/images';
import { readScanFile } from '../../../../shared/images/scan-file';

const A = 'arn:aws:ecs:eu-west-1:222222222222';
const IMAGE = '111111111111.dkr.ecr.eu-west-1.amazonaws.com/app:v1';
const ecr = mockClient(ECRClient);
const ecs = mockClient(ECSClient);
const lambda = mockClient(LambdaClient);
const events = mockClient(EventBridgeClient);
const scheduler = mockClient(SchedulerClient);
const s3 = mockClient(S3Client);

async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await images(args, { log: (l) => out.push(l), error: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** An account without ecs-pilot: one cluster running one task of a task definition pulling from the shared registry. */
beforeEach(() => {
  process.env.AWS_REGION = 'eu-west-1';
  ecr.on(DescribeRegistryCommand).resolves({ registryId: '222222222222' });
  ecs.on(ListClustersCommand).resolves({ clusterArns: [`${A}:cluster/prod`] });
  ecs.on(ListTasksCommand).resolves({ taskArns: [`${A}:task/prod/t1`] });
  ecs.on(DescribeTasksCommand).resolves({
    tasks: [
      {
        taskArn: `${A}:task/prod/t1`,
        clusterArn: `${A}:cluster/prod`,
        lastStatus: 'RUNNING',
        containers: [{ name: 'web', image: IMAGE, imageDigest: `sha256:${'1'.repeat(64)}` }],
      },
    ],
    failures: [],
  });
  ecs.on(ListServicesCommand).resolves({ serviceArns: [] });
  ecs.on(DescribeServicesCommand).resolves({ services: [], failures: [] });
  ecs.on(ListTaskDefinitionFamiliesCommand).resolves({ families: [] });
  ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [] });
  ecs.on(DescribeTaskDefinitionCommand).rejects(new Error('not expected'));
  lambda.on(ListFunctionsCommand).resolves({ Functions: [] });
  events.on(ListRulesCommand).resolves({ Rules: [] });
  scheduler.on(ListSchedulesCommand).resolves({ Schedules: [] });
});

afterEach(() => {
  for (const m of [ecr, ecs, lambda, events, scheduler, s3]) m.reset();
});

describe('Command: ecs-pilot images scan', () => {
  it('writes a scan file another account’s run reads back, keeping the image a task here runs', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'scan-')), 'scan.json');

    const { code, out } = await run('scan', '--output', file);
    const { uses } = readScanFile(readFileSync(file, 'utf8'), {
      source: file,
      now: new Date(),
      maxAgeHours: 36,
    });

    expect(code).toBe(0);
    expect(out).toMatch(
      /^scan of account 222222222222 \(eu-west-1\) at .*: 1 image reference\(s\) in use, written to /,
    );
    expect(uses).toEqual([
      expect.objectContaining({
        image: IMAGE,
        digest: `sha256:${'1'.repeat(64)}`,
        reason: expect.stringContaining('RUNNING task t1'),
      }),
    ]);
  });

  it('writes the scan to an S3 object with one PutObject', async () => {
    const { code } = await run('scan', '--output', 's3://shared-scans/account-b.json');

    expect(code).toBe(0);
    expect(
      s3.commandCalls(PutObjectCommand).map((c) => [c.args[0].input.Bucket, c.args[0].input.Key]),
    ).toEqual([['shared-scans', 'account-b.json']]);
  });

  it('exits 1 and writes nothing when a scan fails, naming it', async () => {
    scheduler
      .on(ListSchedulesCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));

    const { code, err } = await run('scan', '--output', 's3://shared-scans/account-b.json');

    expect(code).toBe(1);
    expect(err).toMatch(
      /^cannot scan the account: .*EventBridge Scheduler schedules scan failed: .*not authorized/,
    );
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it.each([
    [['scan'], 'scan needs --output'],
    [['scan', '--output', 's3://Bad/x'], 'not an s3://<bucket>/<key> URI'],
    [['generate', '--output', 'x.json'], '--output is an option of scan only'],
  ])('exits 2 on %j', async (args, message) => {
    const { code, err } = await run(...args);

    expect(code).toBe(2);
    expect(err).toContain(message);
  });
});
