import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** Structured JSON logger for one function; POWERTOOLS_LOG_LEVEL (set from the config) picks the level. */
export const createLogger = (serviceName: string) => new Logger({ serviceName });

/** EMF metrics (log lines, no CloudWatch API calls) in the ecs-pilot namespace. */
export const createMetrics = (serviceName: string) =>
  new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'ecs-pilot', serviceName });
