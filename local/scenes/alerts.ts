import {
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  ModifyVpcAttributeCommand,
} from '@aws-sdk/client-ec2';
import {
  CreateClusterCommand,
  DescribeTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { loadSqsFunction, REGION, type LocalAccount } from '../harness.js';
import type { SqsHandler } from '../lambda.js';
import { captureDecisions } from './capture.js';

/** The task definition family the scene registers: one essential container logging with awslogs. */
export const DEMO_FAMILY = 'nightly-report';
const DEMO_CONTAINER = 'report';

/** What ECS reports when a container is killed for using more memory than its limit. */
export const MEMORY_KILL = {
  stopCode: 'EssentialContainerExited',
  stoppedReason: 'Essential container in task exited',
  exitCode: 137,
  reason: 'OutOfMemoryError: Container killed due to memory usage',
} as const;

/** An email as an SQS subscriber of the topic receives it (the SNS envelope, raw delivery off). */
export interface ReceivedEmail {
  subject: string;
  message: string;
  attributes: Record<string, string>;
}

/** SNS client pointed at the emulator (the harness's clients have none). */
export const emulatorSns = (endpoint: string) =>
  new SNSClient({
    endpoint,
    region: REGION,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing', sessionToken: 'testing' },
    maxAttempts: 2,
  });

const iso = (date: Date | undefined) => date?.toISOString();

/**
 * The "ECS Task State Change" event AWS would send for a stopped task, built from DescribeTasks
 * (the emulator emits no task events): ISO timestamps, detail.version, the stop code and reason and
 * each container's exit, which `facts` supply because the emulator does not record them.
 */
export function taskStateChangeEntry(
  task: Task,
  facts: {
    stopCode: string;
    stoppedReason: string;
    containers: Record<string, { exitCode?: number; reason?: string }>;
    createdAt: Date;
    stoppedAt: Date;
    version: number;
  },
): PutEventsRequestEntry {
  const detail = {
    clusterArn: task.clusterArn,
    taskArn: task.taskArn,
    taskDefinitionArn: task.taskDefinitionArn,
    group: task.group,
    startedBy: task.startedBy,
    launchType: task.launchType,
    capacityProviderName: task.capacityProviderName,
    availabilityZone: task.availabilityZone,
    cpu: task.cpu,
    memory: task.memory,
    lastStatus: 'STOPPED',
    desiredStatus: 'STOPPED',
    stopCode: facts.stopCode,
    stoppedReason: facts.stoppedReason,
    containers: (task.containers ?? []).map((c) => ({
      containerArn: c.containerArn,
      name: c.name,
      image: c.image,
      lastStatus: 'STOPPED',
      taskArn: task.taskArn,
      ...facts.containers[c.name ?? ''],
    })),
    createdAt: iso(task.createdAt) ?? iso(facts.createdAt),
    startedAt: iso(task.startedAt) ?? iso(facts.createdAt),
    stoppingAt: iso(task.stoppingAt) ?? iso(facts.stoppedAt),
    stoppedAt: iso(task.stoppedAt) ?? iso(facts.stoppedAt),
    updatedAt: iso(facts.stoppedAt),
    version: facts.version,
  };
  return {
    Source: 'aws.ecs',
    DetailType: 'ECS Task State Change',
    Resources: task.taskArn ? [task.taskArn] : [],
    Time: facts.stoppedAt,
    Detail: JSON.stringify(detail),
  };
}

/** Subscribes a new SQS queue to the topic (raw delivery off, so messages keep Subject and Message). */
export async function subscribeInbox(
  account: LocalAccount,
  sns: SNSClient,
  topicArn: string,
): Promise<string> {
  const { QueueUrl } = await account.clients.sqs.send(
    new CreateQueueCommand({ QueueName: `ecs-pilot-alerts-inbox-${Date.now()}` }),
  );
  const { Attributes } = await account.clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: QueueUrl!, AttributeNames: ['QueueArn'] }),
  );
  await sns.send(
    new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: Attributes!.QueueArn! }),
  );
  return QueueUrl!;
}

/** Takes every email waiting in an inbox queue, waiting up to `waitSeconds` for the first. */
export async function takeEmails(
  sqs: SQSClient,
  queueUrl: string,
  waitSeconds = 2,
): Promise<ReceivedEmail[]> {
  const emails: ReceivedEmail[] = [];
  for (let wait = waitSeconds; ; wait = 0) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: wait }),
    );
    if (Messages.length === 0) return emails;
    for (const message of Messages) {
      const envelope = JSON.parse(message.Body ?? '{}') as {
        Subject?: string;
        Message?: string;
        MessageAttributes?: Record<string, { Value?: string }>;
      };
      emails.push({
        subject: envelope.Subject ?? '',
        message: envelope.Message ?? '',
        attributes: Object.fromEntries(
          Object.entries(envelope.MessageAttributes ?? {}).map(([name, value]) => [name, value.Value ?? '']),
        ),
      });
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle! }));
    }
  }
}

/** A cluster the alerts config watches, and network ids for awsvpc: the world's, or created here. */
async function placeFor(account: LocalAccount) {
  const watched = account.config.alerts?.clusters?.map((c) => c.split('/').pop()!);
  let cluster = account.world.clusters.find((c) => !watched || watched.includes(c));
  if (!cluster) {
    cluster = watched?.[0] ?? 'default';
    await account.clients.ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  }
  let subnet = [...account.world.subnets.values()][0];
  let securityGroup = [...account.world.securityGroups.values()][0];
  if (!subnet || !securityGroup) {
    const { Vpc } = await account.clients.ec2.send(new CreateVpcCommand({ CidrBlock: '10.30.0.0/16' }));
    // The emulator's awsvpc RunTask needs DNS hostnames on (see local/world.ts).
    await account.clients.ec2.send(
      new ModifyVpcAttributeCommand({ VpcId: Vpc!.VpcId!, EnableDnsHostnames: { Value: true } }),
    );
    const created = await account.clients.ec2.send(
      new CreateSubnetCommand({ VpcId: Vpc!.VpcId!, CidrBlock: '10.30.1.0/24' }),
    );
    const group = await account.clients.ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: `ecs-pilot-alerts-${Date.now()}`,
        Description: 'alerts demo',
        VpcId: Vpc!.VpcId!,
      }),
    );
    subnet = created.Subnet!.SubnetId!;
    securityGroup = group.GroupId!;
  }
  return { cluster, subnet, securityGroup };
}

const frame = (print: (line: string) => void, text: string) => {
  print('  ┌───────────────────────────────────────────────────────────────────────────────');
  for (const line of text.split('\n')) print(`  │ ${line}`);
  print('  └───────────────────────────────────────────────────────────────────────────────');
};

/**
 * The stop-alerts demo: a task in the emulated cluster is stopped as if its container had been
 * killed for memory; its "ECS Task State Change" event goes through the packaged rule to the alerts
 * queue; stopAlert publishes to the topic; the email is read back from an SQS queue subscribed to
 * the topic and printed as it would arrive. Then the same event is delivered again: no second email.
 */
export async function alertsScene(
  account: LocalAccount,
  print: (line: string) => void,
  options: { verbose?: boolean } = {},
): Promise<{ ok: boolean }> {
  const topicArn = account.stack.refs.get('AlertsTopic');
  if (!account.config.alerts || !topicArn) {
    print('• stop alerts: not configured (no alerts section in the config); skipped');
    return { ok: false };
  }
  const verbose = Boolean(options.verbose);
  const sns = emulatorSns(account.endpoint);
  const inbox = await subscribeInbox(account, sns, topicArn);
  const stopAlert = await loadSqsFunction(
    account,
    'StopAlertLambdaFunction',
    () => import('../../functions/stop-alert.js') as Promise<{ handler: SqsHandler }>,
    { logLevel: verbose ? 'INFO' : (process.env.POWERTOOLS_LOG_LEVEL ?? 'INFO') },
  );

  const { cluster, subnet, securityGroup } = await placeFor(account);
  const registered = await account.clients.ecs.send(
    new RegisterTaskDefinitionCommand({
      family: DEMO_FAMILY,
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '256',
      memory: '512',
      containerDefinitions: [
        {
          name: DEMO_CONTAINER,
          image: `example.com/${DEMO_FAMILY}:latest`,
          memory: 512,
          essential: true,
          logConfiguration: {
            logDriver: 'awslogs',
            options: {
              'awslogs-group': `/ecs/${DEMO_FAMILY}`,
              'awslogs-region': REGION,
              'awslogs-stream-prefix': 'ecs',
            },
          },
        },
      ],
    }),
  );
  print('\n── Stop alerts ──');
  print(
    `• running a ${DEMO_FAMILY} task in cluster ${cluster}, then stopping it as if its container ` +
      `had been killed for memory (exit ${MEMORY_KILL.exitCode})…`,
  );
  const createdAt = new Date();
  const { tasks: started = [] } = await account.clients.ecs.send(
    new RunTaskCommand({
      cluster,
      taskDefinition: registered.taskDefinition!.taskDefinitionArn!,
      launchType: 'FARGATE',
      startedBy: 'ecs-pilot/alerts-demo',
      networkConfiguration: { awsvpcConfiguration: { subnets: [subnet], securityGroups: [securityGroup] } },
    }),
  );
  const taskArn = started[0]?.taskArn;
  if (!taskArn) throw new Error('the emulator started no task for the alerts demo');
  await account.clients.ecs.send(
    new StopTaskCommand({ cluster, task: taskArn, reason: MEMORY_KILL.stoppedReason }),
  );
  const { tasks: [task] = [] } = await account.clients.ecs.send(
    new DescribeTasksCommand({ cluster, tasks: [taskArn] }),
  );
  const entry = taskStateChangeEntry(task!, {
    stopCode: MEMORY_KILL.stopCode,
    stoppedReason: MEMORY_KILL.stoppedReason,
    containers: { [DEMO_CONTAINER]: { exitCode: MEMORY_KILL.exitCode, reason: MEMORY_KILL.reason } },
    createdAt,
    stoppedAt: new Date(),
    version: 3,
  });
  const rule = account.stack.refs.get('AlertsRule') ?? 'the stop-alerts rule';
  print(
    `  its "ECS Task State Change" event → EventBridge rule ${rule} → SQS → stopAlert → SNS (KMS-encrypted topic)`,
  );

  const deliver = async () => {
    const put = await account.clients.events.send(new PutEventsCommand({ Entries: [entry] }));
    if (put.FailedEntryCount) throw new Error(`PutEvents failed: ${JSON.stringify(put.Entries)}`);
    const [, decisions] = await captureDecisions(verbose, () => stopAlert.drain({ timeoutMs: 30_000 }));
    return decisions;
  };
  const first = await deliver();
  for (const d of first) print(`  stopAlert decided: ${d.decision}${d.reason ? ` (${d.reason})` : ''}`);
  const emails = await takeEmails(account.clients.sqs, inbox);
  print('\nThe email, as it arrives (read back from an SQS queue subscribed to the topic):');
  for (const email of emails) frame(print, `Subject: ${email.subject}\n\n${email.message}`);
  if (emails.length === 0) print('  (no email arrived)');

  print('• delivering the same state change again, as EventBridge may…');
  const second = await deliver();
  const again = await takeEmails(account.clients.sqs, inbox, 1);
  for (const d of second) print(`  stopAlert decided: ${d.decision}`);
  print(`  ${again.length === 0 ? 'no second email' : `${again.length} more email(s): NOT deduplicated`}`);

  const email = emails[0];
  const ok =
    emails.length === 1 &&
    again.length === 0 &&
    email !== undefined &&
    email.subject.includes(DEMO_FAMILY) &&
    email.subject.includes(String(MEMORY_KILL.exitCode)) &&
    email.message.includes(MEMORY_KILL.reason) &&
    email.attributes.exitCode === String(MEMORY_KILL.exitCode);
  print(`\nStop alerts: ${emails.length} email for 1 failed task, ${again.length} for its redelivery.`);
  return { ok };
}
