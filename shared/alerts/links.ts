import type { ContainerInfo } from './task-definition.js';

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/**
 * The AWS console's address for a partition and region; undefined for partitions without a public
 * console (the isolated ones) or a malformed region, so no broken link is ever rendered.
 */
export function consoleBase(partition: string, region: string | undefined): string | undefined {
  if (!region || !REGION.test(region)) return undefined;
  switch (partition) {
    case 'aws':
      return `https://${region}.console.aws.amazon.com`;
    case 'aws-cn':
      return 'https://console.amazonaws.cn';
    case 'aws-us-gov':
      return 'https://console.amazonaws-us-gov.com';
    default:
      return undefined;
  }
}

/** The task's page in the ECS console (it keeps stopped tasks for about an hour). */
export function taskConsoleUrl(
  partition: string,
  region: string | undefined,
  cluster: string,
  taskId: string,
) {
  const base = consoleBase(partition, region);
  if (!base) return undefined;
  return `${base}/ecs/v2/clusters/${encodeURIComponent(cluster)}/tasks/${encodeURIComponent(taskId)}/configuration?region=${region}`;
}

/**
 * The CloudWatch console escapes fragments twice: URI-encoding, then `%` written as `$25`
 * (so `/ecs/web` becomes `$252Fecs$252Fweb`).
 */
export const consoleFragment = (text: string) => encodeURIComponent(text).replace(/%/g, '$25');

/**
 * The awslogs stream of a container: `<prefix>/<container>/<task id>` with a stream prefix (always
 * on Fargate); without one, the Docker id, when the event reports it.
 */
export function logStreamName(
  container: Pick<ContainerInfo, 'name' | 'logs'>,
  taskId: string,
  runtimeId?: string,
): string | undefined {
  if (!container.logs) return undefined;
  if (container.logs.streamPrefix) return `${container.logs.streamPrefix}/${container.name}/${taskId}`;
  return runtimeId;
}

/** The log stream (or, when the stream is unknown, the log group) in the CloudWatch console. */
export function logsConsoleUrl(
  partition: string,
  region: string | undefined,
  group: string,
  stream: string | undefined,
): string | undefined {
  const base = consoleBase(partition, region);
  if (!base) return undefined;
  const groupPath = `${base}/cloudwatch/home?region=${region}#logsV2:log-groups/log-group/${consoleFragment(group)}`;
  return stream ? `${groupPath}/log-events/${consoleFragment(stream)}` : groupPath;
}
