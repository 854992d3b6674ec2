import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

let invocations = 0;

/** A Lambda context for in-process invocations; the time budget counts down from the call. */
export function lambdaContext(functionName: string, timeoutSeconds = 60): Context {
  const started = Date.now();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: `local-${process.pid}-${++invocations}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, timeoutSeconds * 1000 - (Date.now() - started)),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Turns an SQS API message into the record shape Lambda's event source mapping delivers. */
export function toLambdaRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        {
          dataType: value.DataType ?? 'String',
          ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
          stringListValues: [],
          binaryListValues: [],
        },
      ]),
    ),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

export interface EventSourceOptions {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  region?: string;
  batchSize: number;
  /**
   * MaximumBatchingWindowInSeconds. Lambda keeps receiving until the batch is full or the window has
   * passed; locally, gathering also stops as soon as a receive finds nothing more (no need to wait
   * out a window on an idle emulator). Default 0: one receive of at most 10.
   */
  maximumBatchingWindowSeconds?: number;
  maximumConcurrency: number;
  functionName: string;
  handler: SqsHandler;
  /** Called after each invocation with the batch and what the handler returned. */
  onInvoke?: (event: SQSEvent, response: SQSBatchResponse | Error) => void;
}

/** Counts of an event source run. */
export interface DrainResult {
  invocations: number;
  records: number;
  failedRecords: number;
  errors: number;
}

/** A queue's messages: visible, in flight (received, not yet deleted) and delayed. */
export async function queueCounts(sqs: SQSClient, queueUrl: string) {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  const visible = Number(Attributes.ApproximateNumberOfMessages ?? 0);
  const inFlight = Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
  const delayed = Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0);
  return { visible, inFlight, delayed, total: visible + inFlight + delayed };
}

/**
 * Emulates Lambda's SQS event source mapping until the queue is empty (visible, in flight and
 * delayed) or `timeoutMs` passes: `maximumConcurrency` pollers receive up to `batchSize` messages,
 * invoke the handler in-process, and delete every message not reported in batchItemFailures
 * (a thrown handler error deletes nothing, as in Lambda).
 */
export async function drainQueue(options: EventSourceOptions, timeoutMs = 60_000): Promise<DrainResult> {
  const result: DrainResult = { invocations: 0, records: 0, failedRecords: 0, errors: 0 };
  const deadline = Date.now() + timeoutMs;
  const region = options.region ?? 'us-east-1';
  const poller = async () => {
    while (Date.now() < deadline) {
      const receive = async (max: number) =>
        (
          await options.sqs.send(
            new ReceiveMessageCommand({
              QueueUrl: options.queueUrl,
              MaxNumberOfMessages: Math.min(10, max),
              WaitTimeSeconds: 0,
              MessageSystemAttributeNames: ['All'],
              MessageAttributeNames: ['All'],
            }),
          )
        ).Messages ?? [];
      const Messages = await receive(options.batchSize);
      const gatherUntil = Date.now() + (options.maximumBatchingWindowSeconds ?? 0) * 1000;
      while (Messages.length > 0 && Messages.length < options.batchSize && Date.now() < gatherUntil) {
        const more = await receive(options.batchSize - Messages.length);
        if (more.length === 0) break;
        Messages.push(...more);
      }
      if (Messages.length === 0) {
        if ((await queueCounts(options.sqs, options.queueUrl)).total === 0) return;
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      const event: SQSEvent = { Records: Messages.map((m) => toLambdaRecord(m, options.queueArn, region)) };
      result.invocations += 1;
      result.records += Messages.length;
      let failed = new Set<string>(Messages.map((m) => m.MessageId!));
      try {
        const response = await options.handler(event, lambdaContext(options.functionName));
        failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
        options.onInvoke?.(event, response);
      } catch (error) {
        result.errors += 1;
        options.onInvoke?.(event, error as Error);
      }
      result.failedRecords += failed.size;
      const done = Messages.filter((m) => !failed.has(m.MessageId!));
      if (done.length > 0) {
        await options.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: options.queueUrl,
            Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
          }),
        );
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.maximumConcurrency) }, poller));
  return result;
}
