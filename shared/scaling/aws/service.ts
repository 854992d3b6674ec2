import {
  DescribeScalableTargetsCommand,
  type ApplicationAutoScalingClient,
} from '@aws-sdk/client-application-auto-scaling';
import { DescribeServicesCommand, UpdateServiceCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { classifyByName, PermanentError, RetryableError } from '../../kernel/errors.js';
import type { TargetBounds } from '../coexist.js';
import { serviceIdentity } from '../resources.js';
import { classifyEcsError } from '../../kernel/aws/errors.js';

/** The figures of a service that scaling reads. */
export interface ServiceCounts {
  desired: number;
  running: number;
  pending: number;
}

/** A scaled service as configured: cluster and service, each a name or an ARN. */
export interface ServiceRef {
  cluster: string;
  service: string;
}

// Beyond classifyEcsError's list: a service that is gone or inactive stays so until someone acts.
const PERMANENT_SERVICE_ERRORS = new Set(['ServiceNotFoundException', 'ServiceNotActiveException']);

function classifyServiceError(error: unknown, action: string): RetryableError | PermanentError {
  const name = error instanceof Error ? error.name : '';
  if (PERMANENT_SERVICE_ERRORS.has(name)) return classifyByName(error, action, PERMANENT_SERVICE_ERRORS);
  return classifyEcsError(error, action);
}

/** Reads and sets a service's desired count. */
export class ServiceScaler {
  constructor(private readonly ecs: ECSClient) {}

  /**
   * One DescribeServices call. `failures[]` (e.g. MISSING) and a status other than ACTIVE
   * (DRAINING, INACTIVE: deleted) are permanent errors: there is nothing to scale.
   */
  async describe(ref: ServiceRef): Promise<ServiceCounts> {
    const where = `DescribeServices ${ref.service} in cluster ${ref.cluster}`;
    let response;
    try {
      response = await this.ecs.send(
        new DescribeServicesCommand({ cluster: ref.cluster, services: [ref.service] }),
      );
    } catch (error) {
      throw classifyServiceError(error, where);
    }
    const failure = response.failures?.[0];
    if (failure) {
      throw new PermanentError(
        `${where}: ${[failure.reason, failure.detail].filter(Boolean).join(': ') || 'failed'}` +
          (failure.reason === 'MISSING' ? ' (no such service)' : ''),
      );
    }
    const service = response.services?.[0];
    if (!service) throw new RetryableError(`${where}: no service in the answer`);
    if (service.status !== 'ACTIVE') {
      throw new PermanentError(
        `${where}: the service is ${service.status ?? 'in an unknown state'}, not ACTIVE`,
      );
    }
    return {
      desired: service.desiredCount ?? 0,
      running: service.runningCount ?? 0,
      pending: service.pendingCount ?? 0,
    };
  }

  /** UpdateService with the desired count only (it starts no new deployment). */
  async setDesired(ref: ServiceRef, desiredCount: number): Promise<void> {
    try {
      await this.ecs.send(
        new UpdateServiceCommand({ cluster: ref.cluster, service: ref.service, desiredCount }),
      );
    } catch (error) {
      throw classifyServiceError(error, `UpdateService ${ref.service} in cluster ${ref.cluster}`);
    }
  }
}

const PERMANENT_AUTOSCALING_ERRORS = new Set(['AccessDeniedException', 'ValidationException']);

/** Finds a service's Application Auto Scaling target (namespace ecs, dimension DesiredCount). */
export class ScalableTargetReader {
  constructor(private readonly client: ApplicationAutoScalingClient) {}

  /** The target's MinCapacity/MaxCapacity, or undefined when the service has no scalable target. */
  async bounds(ref: ServiceRef): Promise<TargetBounds | undefined> {
    const { resourceId } = serviceIdentity(ref);
    let response;
    try {
      response = await this.client.send(
        new DescribeScalableTargetsCommand({
          ServiceNamespace: 'ecs',
          ResourceIds: [resourceId],
          ScalableDimension: 'ecs:service:DesiredCount',
        }),
      );
    } catch (error) {
      throw classifyByName(error, `DescribeScalableTargets ${resourceId}`, PERMANENT_AUTOSCALING_ERRORS);
    }
    const target = response.ScalableTargets?.find((t) => t.ResourceId === resourceId);
    if (!target) return undefined;
    return { min: target.MinCapacity ?? 0, max: target.MaxCapacity ?? Number.MAX_SAFE_INTEGER };
  }
}
