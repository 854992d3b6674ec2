import { PermanentError } from '../kernel/errors.js';

/**
 * The AWS resources a scaler names, as the config allows them (names, URLs or ARNs), turned into
 * what the APIs and IAM policies need. Pure: no SDK imports.
 */

/** A queue as configured: exactly one of its name, URL or ARN, with what can be read from it. */
export interface QueueReference {
  kind: 'name' | 'url' | 'arn';
  /** The queue name (`video-jobs`, `orders.fifo`). */
  name: string;
  /** Present when configured as a URL. */
  url?: string;
  /** Region and account, when the URL or ARN says them (a local emulator's URL has no region). */
  region?: string;
  account?: string;
  /** Partition, when configured as an ARN. */
  partition?: string;
}

const QUEUE_ARN = /^arn:(aws[a-z-]*):sqs:([a-z0-9-]+):(\d{12}):([^:/]+)$/;
// https://sqs.<region>.amazonaws.com[.cn], https://<region>.queue.amazonaws.com, https://queue.amazonaws.com
const SQS_HOST = /^(?:sqs\.([a-z0-9-]+)|([a-z0-9-]+)\.queue|queue)\.amazonaws\.com(?:\.cn)?$/;

/**
 * Each partition's DNS suffix, as the SDK's endpoint rules name them: a queue's URL is
 * https://sqs.<region>.<suffix>/<account>/<name>.
 */
export const PARTITION_DNS_SUFFIX: Readonly<Record<string, string>> = {
  aws: 'amazonaws.com',
  'aws-cn': 'amazonaws.com.cn',
  'aws-us-gov': 'amazonaws.com',
  'aws-eusc': 'amazonaws.eu',
  'aws-iso': 'c2s.ic.gov',
  'aws-iso-b': 'sc2s.sgov.gov',
  'aws-iso-e': 'cloud.adc-e.uk',
  'aws-iso-f': 'csp.hci.ic.gov',
};

/**
 * The URL of a queue given as a URL (as is) or an ARN (built from its partition, region, account
 * and name, which GetQueueUrl could not resolve for a queue in another region); undefined for a name.
 */
export function queueUrlOf(reference: QueueReference): string | undefined {
  if (reference.url) return reference.url;
  if (reference.kind !== 'arn') return undefined;
  const suffix = PARTITION_DNS_SUFFIX[reference.partition!];
  if (!suffix) throw new PermanentError(`unknown partition "${reference.partition}" in the queue ARN`);
  return `https://sqs.${reference.region}.${suffix}/${reference.account}/${reference.name}`;
}

/** Reads a queue name, URL or ARN (already validated by the config schema). */
export function parseQueueReference(queue: string): QueueReference {
  const arn = QUEUE_ARN.exec(queue);
  if (arn) {
    return { kind: 'arn', partition: arn[1]!, region: arn[2]!, account: arn[3]!, name: arn[4]! };
  }
  if (/^https?:\/\//.test(queue)) {
    const url = new URL(queue);
    const [account = '', name = ''] = url.pathname.split('/').filter(Boolean);
    const host = SQS_HOST.exec(url.hostname);
    // The legacy queue.amazonaws.com endpoint is us-east-1's.
    const region = host ? (host[1] ?? host[2] ?? 'us-east-1') : undefined;
    return { kind: 'url', url: queue, name, account, ...(region ? { region } : {}) };
  }
  return { kind: 'name', name: queue };
}

/** The cluster name of a cluster given as a name or an ARN (`…:cluster/<name>`). */
export const clusterNameOf = (cluster: string): string =>
  cluster.startsWith('arn:') ? cluster.slice(cluster.indexOf(':cluster/') + ':cluster/'.length) : cluster;

/** A scaled service: the names ECS and Application Auto Scaling use for it. */
export interface ServiceIdentity {
  cluster: string;
  service: string;
  /** `service/<cluster>/<service>`: the Application Auto Scaling resource id and the ARN's suffix. */
  resourceId: string;
  /** The cluster named inside a service ARN (`…:service/<cluster>/<service>`), when it has one. */
  clusterInArn?: string;
}

/**
 * Names a scaler's service. A service ARN in the current format carries its cluster
 * (`…:service/<cluster>/<service>`); the old format (`…:service/<service>`) does not, and the
 * configured cluster is used.
 */
export function serviceIdentity(scaler: { cluster: string; service: string }): ServiceIdentity {
  const cluster = clusterNameOf(scaler.cluster);
  if (!scaler.service.startsWith('arn:')) {
    return { cluster, service: scaler.service, resourceId: `service/${cluster}/${scaler.service}` };
  }
  const parts = scaler.service.slice(scaler.service.indexOf(':service/') + ':service/'.length).split('/');
  const service = parts.at(-1)!;
  const clusterInArn = parts.length > 1 ? parts[0] : undefined;
  return {
    cluster,
    service,
    resourceId: `service/${cluster}/${service}`,
    ...(clusterInArn !== undefined ? { clusterInArn } : {}),
  };
}
