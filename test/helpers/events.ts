import type { Context, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';

/** What varies between S3 "Object Created" events in tests; everything else has real-shaped defaults. */
export interface ObjectCreatedOptions {
  id?: string;
  bucket?: string;
  key?: string;
  size?: number;
  etag?: string;
  /** `null` leaves the field out, as an unversioned bucket does. */
  versionId?: string | null;
  sequencer?: string;
  reason?: string;
  time?: string;
}

/**
 * An S3 "Object Created" event shaped as EventBridge delivers it (the key as given: raw by default, as
 * the emulator sends it; whether AWS encodes it is not documented). Defaults describe a JPEG under `incoming/` in the `media-ingest` bucket.
 */
export function s3ObjectCreatedEvent(options: ObjectCreatedOptions = {}) {
  const bucket = options.bucket ?? 'media-ingest';
  const versionId = options.versionId === undefined ? 'IYV3p45BT0ac8hjHg1houSdS1a.Mppz' : options.versionId;
  return {
    version: '0',
    id: options.id ?? '17793124-05d4-b198-2fde-7ededc63b103',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '123456789012',
    time: options.time ?? '2025-01-15T10:20:30Z',
    region: 'us-east-1',
    resources: [`arn:aws:s3:::${bucket}`],
    detail: {
      version: '0',
      bucket: { name: bucket },
      object: {
        key: options.key ?? 'incoming/photo.jpg',
        size: options.size ?? 1024,
        etag: options.etag ?? 'b1946ac92492d2347c6235b4d2611184',
        ...(versionId === null ? {} : { 'version-id': versionId }),
        sequencer: options.sequencer ?? '00617F08299329D189',
      },
      'request-id': 'N4N7GDK58NMKJ12R',
      requester: '123456789012',
      'source-ip-address': '192.0.2.10',
      reason: options.reason ?? 'PutObject',
    },
  };
}

export interface SqsRecordOptions {
  messageId?: string;
  receiptHandle?: string;
  /** SQS ApproximateReceiveCount: 1 on first delivery. */
  receiveCount?: number;
  /** String message attributes (name → value). */
  messageAttributes?: Record<string, string>;
  eventSourceARN?: string;
}

let sequence = 0;

/** One SQS record as Lambda's event source mapping delivers it; objects are JSON-encoded as the body. */
export function sqsRecord(body: string | object, options: SqsRecordOptions = {}): SQSRecord {
  sequence += 1;
  const messageId = options.messageId ?? `00000000-0000-4000-8000-${String(sequence).padStart(12, '0')}`;
  const messageAttributes: SQSMessageAttributes = Object.fromEntries(
    Object.entries(options.messageAttributes ?? {}).map(([name, value]) => [
      name,
      { stringValue: value, stringListValues: [], binaryListValues: [], dataType: 'String' },
    ]),
  );
  return {
    messageId,
    receiptHandle: options.receiptHandle ?? `receipt-${messageId}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: '1736936430000',
      SenderId: 'AIDAIENQZJOLO23YVJ4VO',
      ApproximateFirstReceiveTimestamp: '1736936430100',
    },
    messageAttributes,
    md5OfBody: '098f6bcd4621d373cade4e832627b4f6',
    eventSource: 'aws:sqs',
    eventSourceARN: options.eventSourceARN ?? 'arn:aws:sqs:us-east-1:123456789012:ecs-pilot-uploads',
    awsRegion: 'us-east-1',
  };
}

/** An SQS event wrapping the given records. */
export function sqsEvent(...records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

/** A Lambda context with a fixed 60 s budget left. */
export function fakeContext(overrides: Partial<Context> = {}): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'ecs-pilot-dev-uploadToTask',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:ecs-pilot-dev-uploadToTask',
    memoryLimitInMB: '256',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    logGroupName: '/aws/lambda/ecs-pilot-dev-uploadToTask',
    logStreamName: '2025/01/15/[$LATEST]abcdef0123456789',
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
    ...overrides,
  };
}
