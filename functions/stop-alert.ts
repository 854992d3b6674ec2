import { deployedConfig, requiredSection } from '../shared/config/load.js';
import { requiredEnv } from '../shared/kernel/env.js';
import { dynamoDbClient, ecsClient, snsClient } from '../shared/kernel/aws/clients.js';
import { DynamoNoiseGate } from '../shared/alerts/aws/noise.js';
import { AlertOnce } from '../shared/alerts/aws/once.js';
import { SnsAlertPublisher } from '../shared/kernel/notify/aws/publisher.js';
import { TaskDefinitionReader } from '../shared/alerts/aws/task-definitions.js';
import { sqsFunction } from '../shared/kernel/delivery/aws/sqs-function.js';
import { processStopAlertMessage, type AlertDecisionName } from '../shared/alerts/service.js';

/** Records outlive the queues' 14-day retention, so a late DLQ redrive of an alerted task stays quiet. */
const ONCE_TTL_SECONDS = 15 * 24 * 3600;

const METRICS: Record<AlertDecisionName, string> = {
  sent: 'AlertsSent',
  summary: 'AlertsSummarySent',
  suppressed: 'AlertsSuppressed',
  duplicate: 'AlertsDuplicate',
  ignored: 'AlertsIgnored',
  failed: 'AlertsFailed',
};

// Cold start: a broken config or missing variable fails here, loudly, before any event is touched.
const config = deployedConfig();
const alerts = requiredSection(config, 'alerts', 'stopAlert');
const table = requiredEnv('ALERTS_TABLE');
const once = new AlertOnce({
  client: dynamoDbClient(),
  tableName: table,
  expiresAfterSeconds: ONCE_TTL_SECONDS,
});
const adapters = {
  once,
  gate: new DynamoNoiseGate(dynamoDbClient(), table),
  publisher: new SnsAlertPublisher(snsClient(), requiredEnv('ALERTS_TOPIC_ARN')),
  taskDefinitions: new TaskDefinitionReader(ecsClient()),
};

/** SQS (fed by the stop-alerts EventBridge rule) → one actionable email per failed task, via SNS. */
export const handler = sqsFunction({
  service: 'alerts',
  queueUrlEnv: 'ALERTS_QUEUE_URL',
  deadLetterQueueUrlEnv: 'ALERTS_DLQ_URL',
  settings: config.delivery,
  onInvoke: (context) => once.registerContext(context),
  process: (body, attributes, { logger, count }) =>
    processStopAlertMessage(body, attributes, {
      rules: alerts,
      noise: alerts.noise,
      region: process.env.AWS_REGION,
      ...adapters,
      logger,
      onDecision: (decision) => count(METRICS[decision]),
    }),
});
