import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';

/**
 * One client per service, created once per cold start. The SDK's standard retry strategy retries
 * throttling, 5xx and network errors with exponential backoff and jitter; attempts are bounded so a
 * retry storm stays inside the function's time budget. AWS_ENDPOINT_URL points every client at a
 * local emulator when set (the SDK reads it too; passing it explicitly keeps that visible).
 */
export function clientConfig(env: NodeJS.ProcessEnv = process.env) {
  const attempts = Number(env.ECS_PILOT_SDK_MAX_ATTEMPTS);
  return {
    // 5 attempts unless ECS_PILOT_SDK_MAX_ATTEMPTS is a whole number from 1 to 10.
    maxAttempts: Number.isInteger(attempts) && attempts >= 1 && attempts <= 10 ? attempts : 5,
    retryMode: 'standard' as const,
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000 },
    ...(env.AWS_ENDPOINT_URL ? { endpoint: env.AWS_ENDPOINT_URL } : {}),
  };
}

let ecs: ECSClient | undefined;
let sqs: SQSClient | undefined;
let dynamodb: DynamoDBClient | undefined;
let applicationAutoScaling: ApplicationAutoScalingClient | undefined;
let ecr: ECRClient | undefined;
let sns: SNSClient | undefined;
let lambda: LambdaClient | undefined;
let events: EventBridgeClient | undefined;
let scheduler: SchedulerClient | undefined;
let s3: S3Client | undefined;

export const ecsClient = (): ECSClient => (ecs ??= new ECSClient(clientConfig()));
export const sqsClient = (): SQSClient => (sqs ??= new SQSClient(clientConfig()));
export const dynamoDbClient = (): DynamoDBClient => (dynamodb ??= new DynamoDBClient(clientConfig()));
export const applicationAutoScalingClient = (): ApplicationAutoScalingClient =>
  (applicationAutoScaling ??= new ApplicationAutoScalingClient(clientConfig()));
export const ecrClient = (): ECRClient => (ecr ??= new ECRClient(clientConfig()));
export const snsClient = (): SNSClient => (sns ??= new SNSClient(clientConfig()));
export const lambdaClient = (): LambdaClient => (lambda ??= new LambdaClient(clientConfig()));
export const eventBridgeClient = (): EventBridgeClient => (events ??= new EventBridgeClient(clientConfig()));
export const schedulerClient = (): SchedulerClient => (scheduler ??= new SchedulerClient(clientConfig()));
/** The S3 client; path-style when pointed at a local emulator. */
export const s3Client = (): S3Client =>
  (s3 ??= new S3Client({ ...clientConfig(), forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL) }));

/** An SQS client for another region (a queue read where it lives), with the same settings. */
export const sqsClientIn = (region: string): SQSClient => new SQSClient({ ...clientConfig(), region });
