import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import {
  DynamoDBClient,
  GetItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type AttributeValue,
  type CancellationReason,
} from '@aws-sdk/client-dynamodb';
import {
  ConflictException,
  ECSClient,
  ListTasksCommand,
  RunTaskCommand,
  type RunTaskCommandInput,
} from '@aws-sdk/client-ecs';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

/**
 * The idempotency table as the claims see it: TransactWriteItems applies all of its Puts or none,
 * and a Put's condition `attribute_not_exists(id) OR #batch = :batch` is evaluated on the stored item
 * (the only condition the claims use); a failed one cancels the transaction with DynamoDB's reasons.
 */
export function fakeClaimTable(
  options: {
    returnOldItems?: boolean;
    /** An existing mock and its items (e.g. the idempotency table's fake), to share one table. */
    on?: { mock: AwsClientStub<DynamoDBClient>; items: Map<string, Record<string, AttributeValue>> };
  } = {},
) {
  const items = options.on?.items ?? new Map<string, Record<string, AttributeValue>>();
  const client = new DynamoDBClient({ region: 'us-east-1' });
  const mock = options.on?.mock ?? mockClient(client);
  let transactions = 0;
  /** Fails the next transaction with a conflict (another invocation's transaction on the same items). */
  let conflicts = 0;
  mock.on(TransactWriteItemsCommand).callsFake((input: { TransactItems: { Put: Put }[] }) => {
    transactions += 1;
    const puts = input.TransactItems.map((t) => t.Put);
    if (conflicts > 0) {
      conflicts -= 1;
      throw new TransactionCanceledException({
        message: 'Transaction cancelled',
        $metadata: { httpStatusCode: 400 },
        CancellationReasons: puts.map(() => ({ Code: 'TransactionConflict' })),
      });
    }
    const reasons: CancellationReason[] = puts.map((put) => {
      const old = items.get(put.Item.id!.S!);
      if (!put.ConditionExpression || !old) return { Code: 'None' };
      if (old.batch?.S === put.ExpressionAttributeValues?.[':batch']?.S) return { Code: 'None' };
      return {
        Code: 'ConditionalCheckFailed',
        ...(options.returnOldItems === false ? {} : { Item: old }),
      };
    });
    if (reasons.some((r) => r.Code !== 'None')) {
      throw new TransactionCanceledException({
        message: 'Transaction cancelled',
        $metadata: { httpStatusCode: 400 },
        CancellationReasons: reasons,
      });
    }
    for (const put of puts) items.set(put.Item.id!.S!, put.Item);
    return {};
  });
  if (!options.on) {
    mock.on(GetItemCommand).callsFake((input: { Key: { id: { S: string } } }) => {
      const item = items.get(input.Key.id.S);
      return item ? { Item: item } : {};
    });
  }
  return {
    client,
    mock,
    items,
    get transactions() {
      return transactions;
    },
    conflictNext(count = 1) {
      conflicts += count;
    },
    /** Object token → the batch that claims it. */
    claims(): Map<string, string> {
      return new Map(
        [...items]
          .filter(([id]) => id.startsWith('uploads/claim/'))
          .map(([id, item]) => [id.slice('uploads/claim/'.length), item.batch!.S!]),
      );
    },
  };
}

interface Put {
  Item: Record<string, AttributeValue>;
  ConditionExpression?: string;
  ExpressionAttributeValues?: Record<string, AttributeValue>;
}

/** A started task of the ECS double. */
export interface FakeTask {
  taskArn: string;
  request: RunTaskCommandInput;
  environment: Record<string, string>;
}

/**
 * ECS as RunTask's clientToken makes it: the same token with the same parameters returns the task it
 * started; with other parameters, ConflictException. `failNext` makes calls fail before any task
 * starts; `loseNextResponse` starts the task and then loses the answer (a crash after RunTask).
 */
export function fakeEcs() {
  const client = new ECSClient({ region: 'us-east-1' });
  const mock = mockClient(client);
  const byToken = new Map<string, FakeTask>();
  const tasks: FakeTask[] = [];
  let failures: Error[] = [];
  const rules: { when: (input: RunTaskCommandInput) => boolean; error: Error; times: number }[] = [];
  let lose = 0;
  let running = 0;
  mock.on(RunTaskCommand).callsFake((input: RunTaskCommandInput) => {
    const next = failures.shift();
    if (next) throw next;
    const rule = rules.find((r) => r.times > 0 && r.when(input));
    if (rule) {
      rule.times -= 1;
      throw rule.error;
    }
    const { clientToken, ...parameters } = input;
    const existing = byToken.get(clientToken!);
    if (existing) {
      const { clientToken: _token, ...before } = existing.request;
      if (JSON.stringify(before) !== JSON.stringify(parameters)) {
        throw new ConflictException({ message: 'client token already used', $metadata: {} });
      }
    } else {
      const task: FakeTask = {
        taskArn: `arn:aws:ecs:us-east-1:123456789012:task/media/${String(tasks.length + 1).padStart(32, '0')}`,
        request: structuredClone(input),
        environment: Object.fromEntries(
          (input.overrides?.containerOverrides?.[0]?.environment ?? []).map((e) => [e.name!, e.value!]),
        ),
      };
      byToken.set(clientToken!, task);
      tasks.push(task);
    }
    if (lose > 0) {
      lose -= 1;
      throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
    }
    return { tasks: [{ taskArn: byToken.get(clientToken!)!.taskArn }], failures: [] };
  });
  mock.on(ListTasksCommand).callsFake(() => ({
    taskArns: Array.from(
      { length: running },
      (_, i) => `arn:aws:ecs:us-east-1:123456789012:task/media/r${i}`,
    ),
  }));
  return {
    client,
    mock,
    tasks,
    failNext(...errors: Error[]) {
      failures = [...failures, ...errors];
    },
    /** Fails the next `times` calls that `when` selects, before any task starts. */
    failWhen(when: (input: RunTaskCommandInput) => boolean, error: Error, times = 1) {
      rules.push({ when, error, times });
    },
    loseNextResponse() {
      lose += 1;
    },
    setRunning(count: number) {
      running = count;
    },
  };
}

/** The manifest bucket: PutObject bodies by key. */
export function fakeManifestBucket() {
  const client = new S3Client({ region: 'us-east-1' });
  const mock = mockClient(client);
  const objects = new Map<string, string>();
  mock.on(PutObjectCommand).callsFake((input: { Key: string; Body: string }) => {
    objects.set(input.Key, input.Body);
    return {};
  });
  return { client, mock, objects };
}
