import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { createLogger, createMetrics } from '../../../../../shared/kernel/aws/observability';
import { captureOutput, emfDirective, metricValues, type CapturedOutput } from './fixtures';

let output: CapturedOutput;

beforeEach(() => {
  output = captureOutput();
});

afterEach(() => {
  output.restore();
  vi.unstubAllEnvs();
});

describe('Function: createLogger', () => {
  it('writes structured JSON lines carrying the service name and the extra keys', () => {
    // Prepare
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'INFO');
    const logger = createLogger('uploads');

    // Act
    logger.info('task started', { bucket: 'media-ingest' });

    // Assess
    expect(output.logs('task started')).toStrictEqual([
      expect.objectContaining({
        level: 'INFO',
        service: 'uploads',
        bucket: 'media-ingest',
        stream: 'stdout',
      }),
    ]);
  });

  it('takes its level from POWERTOOLS_LOG_LEVEL, which the config sets', () => {
    // Prepare
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'WARN');
    const logger = createLogger('uploads');

    // Act
    logger.info('chatty');
    logger.warn('worth knowing');

    // Assess
    expect(output.logs('chatty')).toStrictEqual([]);
    expect(output.logs('worth knowing')).toHaveLength(1);
  });
});

describe('Function: createMetrics', () => {
  it('writes EMF to stdout in the ecs-pilot namespace with the service as dimension', () => {
    // Prepare
    vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', undefined);
    const metrics = createMetrics('images');

    // Act
    metrics.addMetric('ImagesDeleted', MetricUnit.Count, 3);
    metrics.publishStoredMetrics();

    // Assess
    const [document] = output.emf();
    expect(output.emf()).toHaveLength(1);
    expect(document?.stream).toBe('stdout');
    expect(emfDirective(document!)).toMatchObject({ Namespace: 'ecs-pilot', Dimensions: [['service']] });
    expect(document?.service).toBe('images');
    expect(metricValues(document!)).toStrictEqual({ ImagesDeleted: 3 });
  });

  it('uses POWERTOOLS_METRICS_NAMESPACE when it is set', () => {
    // Prepare
    vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'ecs-pilot-staging');
    const metrics = createMetrics('images');

    // Act
    metrics.addMetric('ImagesDeleted', MetricUnit.Count, 1);
    metrics.publishStoredMetrics();

    // Assess
    expect(emfDirective(output.emf()[0]!).Namespace).toBe('ecs-pilot-staging');
  });

  it('gives each function its own metrics: one publish does not flush another', () => {
    // Prepare
    const uploads = createMetrics('uploads');
    const images = createMetrics('images');
    uploads.addMetric('UploadsStarted', MetricUnit.Count, 1);
    images.addMetric('ImagesDeleted', MetricUnit.Count, 1);

    // Act
    uploads.publishStoredMetrics();

    // Assess
    expect(output.emf().map(metricValues)).toStrictEqual([{ UploadsStarted: 1 }]);
  });
});
