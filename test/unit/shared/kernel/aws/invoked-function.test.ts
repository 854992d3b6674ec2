import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  invokedFunction,
  type InvokedFunctionOptions,
} from '../../../../../shared/kernel/aws/invoked-function';
import { PermanentError, RetryableError } from '../../../../../shared/kernel/errors';
import { fakeContext } from '../../../../helpers/events';
import { captureOutput, metricValues, type CapturedOutput } from './fixtures';

type Input = { repositories: string[] };
type Process = InvokedFunctionOptions<Input, string>['process'];

const parseRequest = (event: unknown): Input => {
  const repositories = (event as { repositories?: unknown } | undefined)?.repositories;
  if (!Array.isArray(repositories)) throw new PermanentError('repositories: a list of repository names');
  return { repositories: repositories as string[] };
};

let output: CapturedOutput;

beforeEach(() => {
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'INFO');
  output = captureOutput();
});

afterEach(() => {
  output.restore();
  vi.unstubAllEnvs();
});

describe('Function: invokedFunction', () => {
  it('hands the parsed payload to process and returns its result', async () => {
    // Prepare
    const process = vi.fn<Process>(async (input) => `cleaned ${input.repositories.join(', ')}`);
    const handler = invokedFunction({ service: 'images', parse: parseRequest, process });

    // Act
    const result = await handler({ repositories: ['app-api', 'app-web'] }, fakeContext());

    // Assess
    expect(result).toBe('cleaned app-api, app-web');
    expect(process).toHaveBeenCalledOnce();
    expect(process.mock.calls[0]?.[0]).toStrictEqual({ repositories: ['app-api', 'app-web'] });
  });

  it("logs a payload that cannot be parsed as 'rejected invocation', throws the parse error and processes nothing", async () => {
    // Prepare
    const process = vi.fn<Process>(async () => 'done');
    const handler = invokedFunction({ service: 'images', parse: parseRequest, process });

    // Act
    const invocation = handler({ repositories: 'app-*' }, fakeContext());

    // Assess
    await expect(invocation).rejects.toThrow(PermanentError);
    await expect(invocation).rejects.toThrow('repositories: a list of repository names');
    expect(process).not.toHaveBeenCalled();
    expect(output.logs('rejected invocation')).toStrictEqual([
      expect.objectContaining({
        level: 'ERROR',
        service: 'images',
        reason: 'PermanentError: repositories: a list of repository names',
      }),
    ]);
    expect(output.emf()).toStrictEqual([]);
  });

  it('flushes the metrics process added even when process throws, and rethrows its error', async () => {
    // Prepare
    const failure = new RetryableError('DescribeImages app-api: ThrottlingException');
    const handler = invokedFunction({
      service: 'images',
      parse: parseRequest,
      process: async (_input, { metrics }) => {
        metrics.addMetric('RepositoriesScanned', MetricUnit.Count, 1);
        throw failure;
      },
    });

    // Act
    const invocation = handler({ repositories: ['app-api'] }, fakeContext());

    // Assess
    await expect(invocation).rejects.toBe(failure);
    expect(output.emf().map(metricValues)).toStrictEqual([{ RepositoriesScanned: 1 }]);
  });

  it('flushes the metrics once at the end of a successful invocation', async () => {
    const handler = invokedFunction({
      service: 'images',
      parse: parseRequest,
      process: async (_input, { metrics }) => {
        metrics.addMetric('ImagesDeleted', MetricUnit.Count, 2);
        metrics.addMetric('ImagesDeleted', MetricUnit.Count, 3);
        expect(output.emf()).toStrictEqual([]);
        return 'done';
      },
    });

    await handler({ repositories: [] }, fakeContext());

    expect(output.emf().map(metricValues)).toStrictEqual([{ ImagesDeleted: [2, 3] }]);
  });

  it('adds the invocation context to every log line and hands the context to process', async () => {
    // Prepare
    const context = fakeContext({ functionName: 'ecs-pilot-dev-enforceImages', awsRequestId: 'req-42' });
    const process = vi.fn<Process>(async (_input, { logger }) => {
      logger.info('scan started');
      return 'done';
    });
    const handler = invokedFunction({ service: 'images', parse: parseRequest, process });

    // Act
    await handler({ repositories: [] }, context);

    // Assess
    expect(process.mock.calls[0]?.[1].context).toBe(context);
    expect(output.logs('scan started')).toStrictEqual([
      expect.objectContaining({
        function_name: 'ecs-pilot-dev-enforceImages',
        function_request_id: 'req-42',
      }),
    ]);
  });

  it('adds the context to the rejected invocation line too', async () => {
    const handler = invokedFunction({ service: 'images', parse: parseRequest, process: async () => 'done' });

    await expect(handler(undefined, fakeContext({ awsRequestId: 'req-7' }))).rejects.toThrow();

    expect(output.logs('rejected invocation')[0]).toMatchObject({ function_request_id: 'req-7' });
  });

  it('runs without a context (sls invoke local) and hands process undefined', async () => {
    const process = vi.fn<Process>(async () => 'done');
    const handler = invokedFunction({ service: 'images', parse: parseRequest, process });

    await expect(handler({ repositories: [] })).resolves.toBe('done');

    expect(process.mock.calls[0]?.[1].context).toBeUndefined();
  });

  it('creates one logger and one metrics object per cold start, shared by every invocation', async () => {
    const process = vi.fn<Process>(async () => 'done');
    const handler = invokedFunction({ service: 'images', parse: parseRequest, process });

    await handler({ repositories: [] }, fakeContext());
    await handler({ repositories: [] }, fakeContext());

    const [first, second] = process.mock.calls.map((call) => call[1]);
    expect(second?.logger).toBe(first?.logger);
    expect(second?.metrics).toBe(first?.metrics);
  });
});
