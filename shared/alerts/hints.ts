import type { StoppedContainer, TaskStateChange } from './event.js';

/**
 * What a stop likely means, in words an on-call engineer can act on. Matched against the stopped
 * reason and the container reasons (ECS error prefixes, documented under "Stopped tasks error
 * codes"), then the exit codes. Pure data plus lookups.
 */
export const REASON_HINTS: readonly { pattern: RegExp; hint: string }[] = [
  {
    pattern: /^ecs-pilot: maximum runtime exceeded/,
    hint:
      "the run took longer than its schedule's maxRuntimeMinutes and ecs-pilot stopped it: its work is " +
      'unfinished. Find what was slow (input size, a hung dependency), or raise the limit.',
  },
  {
    pattern: /OutOfMemory|\bOOM\b/i,
    hint:
      'out of memory: the container used more memory than its limit and was killed. Raise memory in ' +
      'the task definition, or find what grew (a leak, an unusually large input).',
  },
  {
    pattern: /CannotPullContainerError/i,
    hint:
      'image or registry access: check that the image and tag exist, that the execution role may pull ' +
      'it (ecr:GetAuthorizationToken, ecr:BatchGetImage, ecr:GetDownloadUrlForLayer), and that the ' +
      'task can reach the registry (NAT gateway, ECR and S3 VPC endpoints, or a public IP).',
  },
  {
    pattern: /ResourceInitializationError/i,
    hint:
      'secrets, network or log setup: the execution role cannot read a secret or parameter (Secrets ' +
      'Manager, SSM), the subnet cannot reach those endpoints or has no DNS, or the log group is ' +
      'missing or not writable.',
  },
  {
    pattern: /CannotStartContainerError/i,
    hint:
      'the container could not start: check the command and entry point, that the image matches the ' +
      'CPU architecture (arm64 or x86_64), and the container limits.',
  },
  {
    pattern: /ContainerRuntimeTimeoutError|DockerTimeoutError/i,
    hint: 'the container runtime timed out starting or stopping the container; often transient, or a very large image.',
  },
  {
    pattern: /CannotStopContainerError/i,
    hint: 'the container could not be stopped cleanly; usually transient on the host.',
  },
  {
    pattern: /CannotInspectContainerError/i,
    hint: 'the agent lost track of the container on the host; usually transient.',
  },
  {
    pattern: /CannotCreateVolumeError|EFS|mount/i,
    hint:
      "a volume could not be mounted: check the EFS file system and access point, mount targets in the task's " +
      'subnets, and that the security groups allow NFS (port 2049).',
  },
  {
    pattern: /ELB health checks|load ?balancer health/i,
    hint:
      'the load balancer found the task unhealthy: check the health check path and port, that the ' +
      "security group admits the load balancer, and the service's health check grace period.",
  },
  {
    pattern: /container health checks?/i,
    hint: "the container's own health check failed: try its command in the image, check its timeout and start period.",
  },
  {
    pattern: /network interface|\bENI\b/i,
    hint: 'the task got no network interface in time: the subnet may be out of IP addresses, or the ENI quota is reached.',
  },
  {
    pattern: /(instance|host).*(terminat|retir|deregist|drain)/i,
    hint: 'the host went away (terminated, retired or drained); a service starts a replacement.',
  },
];

/** Meaning of exit codes; 128 + n is "killed by signal n". */
export const EXIT_HINTS: Readonly<Record<number, string>> = {
  1: 'the application reported an error: its log says why.',
  2: 'misuse of a command or bad arguments (often the command line in the task definition).',
  126: 'the command is not executable (permissions, wrong format or CPU architecture).',
  127: 'command not found: check the command and entry point, and that the image contains them.',
  130: 'interrupted (SIGINT).',
  134: 'aborted (SIGABRT): an assertion failed or the runtime gave up (a heap exhausted, for one).',
  137: 'killed (SIGKILL): out of memory, or it did not stop within its stop timeout after SIGTERM.',
  139: 'segmentation fault (SIGSEGV): a crash in native code.',
  143: 'terminated (SIGTERM): it was asked to stop and did.',
  255: 'exit status -1 or out of range: a fatal error the application did not classify.',
};

const STOP_CODE_HINTS: Readonly<Record<string, string>> = {
  TaskFailedToStart:
    'the task never ran. Start failures are usually the image, secrets, the network or capacity: the stopped reason says which.',
  SpotInterruption:
    'Fargate Spot took the capacity back (a two-minute warning, then SIGTERM). A service starts a ' +
    'replacement; give work that must not be interrupted a FARGATE base in its capacity provider strategy.',
  TerminationNotice:
    'the host is being retired or terminated (Fargate maintenance, or an EC2 instance going away); a ' +
    'service replaces the task. Nothing to fix unless it repeats.',
  UserInitiated: 'someone or something called StopTask (a person, a script, a pipeline).',
  ServiceSchedulerInitiated:
    'the service scheduler stopped it: a deployment, a scale-in, or a task it judged unhealthy.',
};

/** The hint for one exit code, or undefined for 0 and unknown values. */
export function exitHint(exitCode: number | undefined): string | undefined {
  if (exitCode === undefined || exitCode === 0) return undefined;
  const known = Object.hasOwn(EXIT_HINTS, exitCode) ? EXIT_HINTS[exitCode] : undefined;
  if (known) return `exit ${exitCode} = ${known}`;
  if (exitCode > 128 && exitCode < 160) return `exit ${exitCode} = killed by signal ${exitCode - 128}.`;
  return `exit ${exitCode} = an application-specific error: its log says what it means.`;
}

/** Reason hints whose pattern matches the text. */
export const reasonHints = (text: string | undefined): string[] =>
  text ? REASON_HINTS.filter((h) => h.pattern.test(text)).map((h) => h.hint) : [];

function containerHints(container: StoppedContainer, alreadySaid: ReadonlySet<string>): string[] {
  const fromReason = reasonHints(container.reason);
  const hints = fromReason.filter((h) => !alreadySaid.has(h)).map((h) => `${container.name}: ${h}`);
  // An OutOfMemoryError reason already explains a 137; other exits add their meaning.
  const exit = exitHint(container.exitCode);
  if (exit && !(container.exitCode === 137 && fromReason.length > 0))
    hints.push(`${container.name}: ${exit}`);
  if (container.exitCode === undefined && container.reason && fromReason.length === 0) {
    hints.push(`${container.name}: no exit code: it never ran, or stopped before it could report one.`);
  }
  return hints;
}

/**
 * Everything likely to explain the stop, most specific first: the stopped reason, each failing
 * container (or each container when none is singled out), then the stop code. Deduplicated.
 */
export function hintsFor(event: TaskStateChange, failed: readonly StoppedContainer[]): string[] {
  const containers = failed.length > 0 ? failed : event.containers.filter((c) => c.reason || c.exitCode);
  const fromStoppedReason = reasonHints(event.stoppedReason);
  const said = new Set(fromStoppedReason);
  const hints = [
    ...fromStoppedReason,
    ...containers.flatMap((c) => containerHints(c, said)),
    // Own keys only: a stop code like "toString" must not find Object.prototype's.
    ...(event.stopCode && Object.hasOwn(STOP_CODE_HINTS, event.stopCode)
      ? [STOP_CODE_HINTS[event.stopCode]!]
      : []),
  ];
  return [...new Set(hints)];
}
