import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, DeleteTopicCommand, type SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { takeMessages } from '../../helpers/queues.js';
import { resetEmulator, runCfnLint } from '../../../local/emulator.js';
import {
  loadSqsFunction,
  setUpLocal,
  type LocalAccount,
  type LocalSqsFunction,
} from '../../../local/harness.js';
import type { SqsHandler } from '../../../local/lambda.js';
import { queueCounts } from '../../../local/lambda.js';
import { packageStage, projectRoot, readTemplate, type PackagedTemplate } from '../../../local/package.js';
import { alertsScene, emulatorSns, subscribeInbox, takeEmails } from '../../../local/scenes/alerts.js';
import { parseConfig } from '../../../shared/config/load.js';
import { readYamlFile } from '../../../shared/config/yaml.js';
import type { Config } from '../../../shared/config/schema.js';
import {
  allPolicyStatements,
  getAttTarget,
  grants,
  props,
  refTarget,
  resourcesOfType,
  roleStatements,
  toArray,
} from '../../helpers/template.js';

/**
 * The stop-alerts automation end to end against the emulator, as in AWS: an "ECS Task State
 * Change" event on the default bus → the packaged rule → SQS → the real handler in-process → SNS
 * (KMS-encrypted topic) → an SQS queue subscribed to the topic, read back as the email arrives.
 */
const FIXTURE = 'test/integration/fixtures/alerts.yml';
const ACCOUNT = '123456789012';
const ARN = `arn:aws:ecs:us-east-1:${ACCOUNT}`;
const SAMPLE = JSON.parse(readFileSync(join(projectRoot, 'events/ecs-task-stopped-oom.json'), 'utf8')) as {
  detail: Record<string, unknown> & { containers: Record<string, unknown>[] };
};

interface StopOptions {
  cluster?: string;
  service?: string;
  taskId?: string;
  version?: number;
  stopCode?: string;
  stoppedReason?: string;
  stoppedAt?: string;
  containers?: { name: string; exitCode?: number; reason?: string }[];
  taskDefinitionArn?: string;
}

/** The sample OOM event's detail, moved to the emulator's account and region, with what a test varies. */
function stoppedDetail(options: StopOptions = {}) {
  const cluster = options.cluster ?? 'prod';
  const taskId = options.taskId ?? randomUUID().replace(/-/g, '');
  const taskArn = `${ARN}:task/${cluster}/${taskId}`;
  return {
    ...SAMPLE.detail,
    clusterArn: `${ARN}:cluster/${cluster}`,
    taskArn,
    taskDefinitionArn: options.taskDefinitionArn ?? `${ARN}:task-definition/web:42`,
    group: `service:${options.service ?? 'web'}`,
    stopCode: options.stopCode ?? 'EssentialContainerExited',
    stoppedReason: options.stoppedReason ?? 'Essential container in task exited',
    stoppedAt: options.stoppedAt ?? new Date().toISOString(),
    version: options.version ?? 5,
    containers: (
      options.containers ?? [
        { name: 'app', exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' },
        { name: 'log-router', exitCode: 0 },
      ]
    ).map((c) => ({
      containerArn: `${ARN}:container/${cluster}/${taskId}/${c.name}`,
      lastStatus: 'STOPPED',
      taskArn,
      ...c,
    })),
  };
}

describe('Function: stopAlert (against the emulator)', () => {
  let account: LocalAccount;
  let stopAlert: LocalSqsFunction;
  let sns: SNSClient;
  let inbox: string;
  let topicArn: string;
  let deadLetterQueueUrl: string;
  let template: PackagedTemplate;
  let templatePath: string;
  let config: Config;

  beforeAll(async () => {
    const endpoint = inject('emulatorEndpoint');
    await resetEmulator(endpoint);
    templatePath = await packageStage('alerttest', { configFile: FIXTURE });
    template = await readTemplate(templatePath);
    config = parseConfig(readYamlFile(join(projectRoot, FIXTURE)), FIXTURE);
    account = await setUpLocal({ endpoint, templatePath, configPath: join(projectRoot, FIXTURE) });
    stopAlert = await loadSqsFunction(
      account,
      'StopAlertLambdaFunction',
      () => import('../../../functions/stop-alert.js') as Promise<{ handler: SqsHandler }>,
      { logLevel: 'ERROR' },
    );
    sns = emulatorSns(endpoint);
    topicArn = account.stack.refs.get('AlertsTopic')!;
    deadLetterQueueUrl = account.stack.refs.get('AlertsDeadLetterQueue')!;
    inbox = await subscribeInbox(account, sns, topicArn);
  });

  afterAll(() => {
    sns?.destroy();
  });

  const put = async (...details: ReturnType<typeof stoppedDetail>[]) => {
    const { FailedEntryCount } = await account.clients.events.send(
      new PutEventsCommand({
        Entries: details.map((detail) => ({
          Source: 'aws.ecs',
          DetailType: 'ECS Task State Change',
          Resources: [detail.taskArn],
          Detail: JSON.stringify(detail),
        })),
      }),
    );
    expect(FailedEntryCount ?? 0).toBe(0);
  };
  const emails = () => takeEmails(account.clients.sqs, inbox, 1);

  /** Takes (receives and deletes) what is in the dead-letter queue, so each test sees only its own. */
  const takeDeadLetters = () => takeMessages(account.clients.sqs, deadLetterQueueUrl);
  const attr = (message: Message, name: string) => message.MessageAttributes?.[name]?.StringValue;

  describe('the event path', () => {
    it('mails one actionable alert, with console and log links, for a container killed for memory', async () => {
      const { taskDefinition } = await account.clients.ecs.send(
        new RegisterTaskDefinitionCommand({
          family: 'web',
          containerDefinitions: [
            {
              name: 'app',
              image: 'example.com/web:1',
              memory: 512,
              essential: true,
              logConfiguration: {
                logDriver: 'awslogs',
                options: {
                  'awslogs-group': '/ecs/web',
                  'awslogs-region': 'us-east-1',
                  'awslogs-stream-prefix': 'ecs',
                },
              },
            },
            { name: 'log-router', image: 'example.com/fluent-bit:1', memory: 128, essential: false },
          ],
        }),
      );
      const detail = stoppedDetail({ taskDefinitionArn: taskDefinition!.taskDefinitionArn! });
      const taskId = detail.taskArn.split('/').pop()!;

      await put(detail);
      await stopAlert.drain();

      const received = await emails();
      expect(received).toHaveLength(1);
      const [email] = received;
      expect(email!.subject).toBe('ECS service web in prod: app exited 137 (out of memory)');
      expect(email!.message).toContain('OutOfMemoryError: Container killed due to memory usage');
      expect(email!.message).toContain('- app (essential): exit code 137');
      expect(email!.message).toContain('out of memory: the container used more memory than its limit');
      expect(email!.message).toContain(
        `https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/prod/tasks/${taskId}/configuration?region=us-east-1`,
      );
      expect(email!.message).toContain(
        `https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:log-groups/log-group/$252Fecs$252Fweb/log-events/ecs$252Fapp$252F${taskId}`,
      );
      expect(email!.attributes).toEqual({
        cluster: 'prod',
        service: 'web',
        family: 'web',
        stopCode: 'EssentialContainerExited',
        exitCode: '137',
        kind: 'container-failed',
        alert: 'task',
      });
    });

    it('never delivers stops in clusters it does not watch, by name or by ARN', async () => {
      await put(stoppedDetail({ cluster: 'elsewhere' }), stoppedDetail({ cluster: 'media-archive' }));

      const counts = await queueCounts(account.clients.sqs, stopAlert.queueUrl);
      await stopAlert.drain();

      expect(counts.total).toBe(0);
      expect(await emails()).toHaveLength(0);
    });

    it('watches a cluster given by ARN', async () => {
      await put(stoppedDetail({ cluster: 'api', service: 'api' }));

      await stopAlert.drain();

      expect((await emails()).map((e) => e.subject)).toEqual([
        'ECS service api in api: app exited 137 (out of memory)',
      ]);
    });

    it('alerts once for a redelivered event and for an older version arriving after a newer one', async () => {
      const newer = stoppedDetail({ version: 6 });
      const older = { ...newer, version: 4, stoppedReason: 'Essential container in task exited (older)' };

      await put(newer);
      await stopAlert.drain();
      await put(newer, older);
      await stopAlert.drain();

      const received = await emails();
      expect(received).toHaveLength(1);
      expect(received[0]!.message).toContain('task version 6');
      expect(await takeDeadLetters()).toHaveLength(0);
    });

    it('sends nothing for a scale-in with clean exits, a clean batch exit or an ignored service', async () => {
      await put(
        stoppedDetail({
          stopCode: 'ServiceSchedulerInitiated',
          stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/4821937465018273645)',
          containers: [{ name: 'app', exitCode: 143 }],
        }),
        stoppedDetail({ service: 'report', containers: [{ name: 'app', exitCode: 0 }] }),
        stoppedDetail({ service: 'canary' }),
      );

      const result = await stopAlert.drain();

      expect(result.records).toBe(3);
      expect(await emails()).toHaveLength(0);
      expect(await takeDeadLetters()).toHaveLength(0);
    });

    it('mails the first failures of a crash-looping service, then one summary, then nothing for the window', async () => {
      // Five tasks of one service stopped within one 15-minute window (maxPerWindow is 2 in the fixture).
      const window = '2026-11-21T09:0';
      const details = [1, 2, 3, 4, 5].map((n) =>
        stoppedDetail({ service: 'flaky', stoppedAt: `${window}${n}:00.000Z` }),
      );

      await put(...details);
      await stopAlert.drain();

      const received = await emails();
      const summaries = received.filter((e) => e.attributes.alert === 'summary');
      expect(received).toHaveLength(3);
      expect(summaries).toHaveLength(1);
      expect(summaries[0]!.subject).toBe(
        'ECS service flaky in prod: failing repeatedly (3 in 15 min), muted until 09:15 UTC',
      );
      expect(summaries[0]!.message).toContain('The first 2 were mailed one by one; this is failure 3.');
      expect(received.filter((e) => e.attributes.alert === 'task')).toHaveLength(2);
    });

    it('keeps counting in the same window when the same failures are redelivered', async () => {
      const details = [1, 2, 3].map((n) =>
        stoppedDetail({ service: 'steady', stoppedAt: `2026-11-21T10:0${n}:00.000Z` }),
      );
      await put(...details);
      await stopAlert.drain();
      expect(await emails()).toHaveLength(3);

      await put(...details);
      await stopAlert.drain();

      expect(await emails()).toHaveLength(0);
    });

    it('dead-letters malformed messages at once with the reason', async () => {
      await account.clients.sqs.send(
        new SendMessageCommand({ QueueUrl: stopAlert.queueUrl, MessageBody: 'not json' }),
      );
      await account.clients.sqs.send(
        new SendMessageCommand({
          QueueUrl: stopAlert.queueUrl,
          MessageBody: JSON.stringify({
            source: 'aws.ecs',
            'detail-type': 'ECS Task State Change',
            detail: {},
          }),
        }),
      );

      const result = await stopAlert.drain();

      expect(result.failedRecords).toBe(0);
      const dead = await takeDeadLetters();
      expect(dead).toHaveLength(2);
      for (const message of dead) {
        expect(attr(message, 'ecs-pilot-reason')).toMatch(/^permanent failure: /);
        expect(attr(message, 'ecs-pilot-attempts')).toBe('1');
      }
      expect(dead.map((m) => attr(m, 'ecs-pilot-reason')).join('\n')).toContain('detail.clusterArn');
    });

    it('runs the demo scene: the memory-killed task arrives as an email, its redelivery does not', async () => {
      const lines: string[] = [];

      const { ok } = await alertsScene(account, (line) => lines.push(line));

      const text = lines.join('\n');
      expect(ok, text).toBe(true);
      expect(text).toContain('Subject: ECS task nightly-report in media: report exited 137 (out of memory)');
      expect(text).toContain('log-group/$252Fecs$252Fnightly-report/log-events/ecs$252Freport$252F');
      expect(text).toContain('no second email');
      await emails(); // the scene's email reached this test's inbox too
    });

    it('dead-letters the event with the SNS error when the topic is gone, and sends nothing', async () => {
      await sns.send(new DeleteTopicCommand({ TopicArn: topicArn }));
      try {
        const detail = stoppedDetail();

        await put(detail);
        await stopAlert.drain({ timeoutMs: 30_000 });

        const dead = await takeDeadLetters();
        expect(dead).toHaveLength(1);
        expect(attr(dead[0]!, 'ecs-pilot-reason')).toMatch(/SNS Publish: NotFound/);
        expect(attr(dead[0]!, 'ecs-pilot-task-arn')).toBe(detail.taskArn);
        expect(JSON.parse(dead[0]!.Body!)).toMatchObject({
          source: 'aws.ecs',
          detail: { taskArn: detail.taskArn },
        });
      } finally {
        await sns.send(new CreateTopicCommand({ Name: topicArn.split(':').pop()! }));
        inbox = await subscribeInbox(account, sns, topicArn);
      }
    });
  });

  describe('the packaged template (sls package, stage alerttest)', () => {
    const roleOf = (functionId: string) =>
      getAttTarget(props<{ Role: unknown }>(template.Resources[functionId]).Role) ?? '';

    it('deploys the alerts automation alone: one function, its own role, no uploads resources', () => {
      const functions = resourcesOfType(template, 'AWS::Lambda::Function').map(([id]) => id);

      expect(functions).toEqual(['StopAlertLambdaFunction']);
      expect(roleOf('StopAlertLambdaFunction')).toBe('StopAlertRole');
      expect(template.Resources.IdempotencyTable).toBeUndefined();
      expect(template.Resources.UploadsQueue).toBeUndefined();
    });

    it('allows sns:Publish only to the toolkit topic, and only to the stopAlert role', () => {
      const publishers = allPolicyStatements(template).filter((s) => grants(s, 'sns:Publish'));

      expect(publishers.map((s) => s.source)).toEqual(['StopAlertRole']);
      expect(publishers.flatMap((s) => s.Resource)).toEqual([{ Ref: 'AlertsTopic' }]);
      expect(template.Resources.AlertsTopic?.Type).toBe('AWS::SNS::Topic');
    });

    it('encrypts the topic with a rotated key the role may only GenerateDataKey* and Decrypt with', () => {
      const statements = roleStatements(template).get('StopAlertRole') ?? [];
      const kms = statements.filter((s) => s.Action.some((a) => a.startsWith('kms:')));

      expect(props<{ KmsMasterKeyId: unknown }>(template.Resources.AlertsTopic).KmsMasterKeyId).toEqual({
        Ref: 'AlertsKey',
      });
      expect(props<{ EnableKeyRotation: boolean }>(template.Resources.AlertsKey).EnableKeyRotation).toBe(
        true,
      );
      expect(kms).toHaveLength(1);
      expect(kms[0]!.Action.sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
      expect(kms[0]!.Resource).toEqual([{ 'Fn::GetAtt': ['AlertsKey', 'Arn'] }]);
    });

    it('grants the role nothing mutating on "*", only its queue, DLQ, table, topic, key and logs', () => {
      const statements = roleStatements(template).get('StopAlertRole') ?? [];
      const onEverything = statements.filter((s) => s.Resource.includes('*'));
      const targets = new Set(
        statements.flatMap((s) =>
          s.Resource.map((r) => getAttTarget(r) ?? refTarget(r) ?? JSON.stringify(r)),
        ),
      );

      expect(onEverything.flatMap((s) => s.Action)).toEqual(['ecs:DescribeTaskDefinition']);
      expect([...targets].sort()).toEqual(
        [
          'AlertsQueue',
          'AlertsDeadLetterQueue',
          'AlertsStateTable',
          'AlertsTopic',
          'AlertsKey',
          '"*"',
          JSON.stringify({
            'Fn::Sub':
              'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/ecs-pilot-alerttest-stopAlert:*',
          }),
        ].sort(),
      );
    });

    it('subscribes each configured address by email', () => {
      const subscriptions = resourcesOfType(template, 'AWS::SNS::Subscription').map(([, s]) =>
        props<{ Protocol: string; Endpoint: string; TopicArn: unknown }>(s),
      );

      expect(subscriptions.map((s) => s.Endpoint).sort()).toEqual([...config.alerts!.emails].sort());
      for (const subscription of subscriptions) {
        expect(subscription.Protocol).toBe('email');
        expect(subscription.TopicArn).toEqual({ Ref: 'AlertsTopic' });
      }
    });

    it('has one rule for stopped tasks in the configured clusters, targeting the buffer queue with retries and a DLQ', () => {
      const rules = resourcesOfType(template, 'AWS::Events::Rule').map(([, r]) =>
        props<{ EventPattern: unknown; Targets: Record<string, unknown>[] }>(r),
      );
      const expectedClusters = config.alerts!.clusters!.map((c) =>
        c.startsWith('arn:') ? c : { suffix: `:cluster/${c}` },
      );

      expect(rules).toHaveLength(1);
      expect(rules[0]!.EventPattern).toEqual({
        source: ['aws.ecs'],
        'detail-type': ['ECS Task State Change'],
        detail: { lastStatus: ['STOPPED'], clusterArn: expectedClusters },
      });
      expect(rules[0]!.Targets).toEqual([
        {
          Id: 'alerts-queue',
          Arn: { 'Fn::GetAtt': ['AlertsQueue', 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['AlertsDeadLetterQueue', 'Arn'] } },
        },
      ]);
    });

    it('redrives the encrypted buffer queue to its DLQ after maxAttempts + 2 receives, and lets only the rule send', () => {
      const queue = props<Record<string, unknown>>(template.Resources.AlertsQueue);
      const policy = props<{ PolicyDocument: { Statement: Record<string, unknown>[] } }>(
        template.Resources.AlertsQueuePolicy,
      );

      expect(queue.RedrivePolicy).toEqual({
        deadLetterTargetArn: { 'Fn::GetAtt': ['AlertsDeadLetterQueue', 'Arn'] },
        maxReceiveCount: config.delivery.maxAttempts + 2,
      });
      expect(queue.SqsManagedSseEnabled).toBe(true);
      expect(
        props<Record<string, unknown>>(template.Resources.AlertsDeadLetterQueue).SqsManagedSseEnabled,
      ).toBe(true);
      expect(policy.PolicyDocument.Statement).toEqual([
        expect.objectContaining({
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': ['AlertsRule', 'Arn'] } } },
        }),
      ]);
    });

    it('points the function at its queue, DLQ, table and topic by Ref and ships the handler and config', () => {
      const fn = props<{ Handler: string; Environment: { Variables: Record<string, unknown> } }>(
        template.Resources.StopAlertLambdaFunction,
      );
      const zip = join(projectRoot, '.serverless-alerttest', 'stopAlert.zip');
      const entries = execFileSync('unzip', ['-Z1', zip], { encoding: 'utf8' }).split('\n');

      expect(fn.Handler).toBe('functions/stop-alert.handler');
      expect(fn.Environment.Variables).toMatchObject({
        ECS_PILOT_CONFIG_FILE: '.build/config/alerttest.json',
        ALERTS_QUEUE_URL: { Ref: 'AlertsQueue' },
        ALERTS_DLQ_URL: { Ref: 'AlertsDeadLetterQueue' },
        ALERTS_TABLE: { Ref: 'AlertsStateTable' },
        ALERTS_TOPIC_ARN: { Ref: 'AlertsTopic' },
      });
      expect(entries).toEqual(
        expect.arrayContaining(['functions/stop-alert.js', '.build/config/alerttest.json']),
      );
      expect(toArray(template.Resources.AlertsStateTable?.Type)).toEqual(['AWS::DynamoDB::Table']);
    });

    it('passes cfn-lint', async () => {
      const { ok, output } = await runCfnLint(templatePath);

      expect(ok, output).toBe(true);
    });
  });
});
