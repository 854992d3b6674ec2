import { describe, expect, it } from 'vitest';
import { exitHint, hintsFor, reasonHints } from '../../../../shared/alerts/hints';
import { decideAlert } from '../../../../shared/alerts/decide';
import { parseTaskStateChange } from '../../../../shared/alerts/event';
import { sampleEvent, stopped } from './fixtures';

describe('Function: exitHint', () => {
  it.each([
    [137, /^exit 137 = killed \(SIGKILL\): out of memory, or it did not stop within its stop timeout/],
    [143, /^exit 143 = terminated \(SIGTERM\)/],
    [139, /segmentation fault/],
    [134, /aborted \(SIGABRT\)/],
    [1, /the application reported an error/],
    [126, /not executable/],
    [127, /command not found/],
    [255, /out of range/],
    [137 + 3, /^exit 140 = killed by signal 12\.$/],
    [42, /^exit 42 = an application-specific error/],
  ])('explains exit %i', (code, expected) => {
    expect(exitHint(code)).toMatch(expected);
  });

  it('says nothing for a clean exit or no exit code', () => {
    expect(exitHint(0)).toBeUndefined();
    expect(exitHint(undefined)).toBeUndefined();
  });
});

describe('Function: reasonHints', () => {
  it.each([
    ['CannotPullContainerError: pull image manifest has been retried', /^image or registry access/],
    [
      'ResourceInitializationError: unable to pull secrets or registry auth',
      /^secrets, network or log setup/,
    ],
    ['OutOfMemoryError: Container killed due to memory usage', /^out of memory/],
    ['CannotStartContainerError: exec format error', /CPU architecture/],
    ['ContainerRuntimeTimeoutError: Could not transition to running', /timed out/],
    ['CannotCreateVolumeError: failed to mount EFS', /volume could not be mounted/],
    ['Task failed ELB health checks in (target-group x)', /load balancer found the task unhealthy/],
    ['Task failed container health checks', /container's own health check failed/],
    ['Timeout waiting for network interface provisioning to complete.', /no network interface/],
    ['Host EC2 (instance i-0a1b2c3d4e5f67890) terminated.', /host went away/],
  ])('explains %s', (reason, expected) => {
    expect(reasonHints(reason)[0]).toMatch(expected);
  });

  it('says nothing for an unknown reason', () => {
    expect(reasonHints('Essential container in task exited')).toEqual([]);
    expect(reasonHints(undefined)).toEqual([]);
  });
});

describe('Function: hintsFor', () => {
  const hints = (name: Parameters<typeof sampleEvent>[0]) => {
    const event = parseTaskStateChange(sampleEvent(name));
    return hintsFor(
      event,
      decideAlert(event, { notifyOn: ['all-stops'], ignore: { services: [], families: [] } }).failed,
    );
  };

  it('explains an OOM kill once, by its reason rather than the bare exit code', () => {
    const result = hints('oom');

    expect(result).toHaveLength(1);
    expect(result[0]).toMatch(/^app: out of memory/);
  });

  it('explains a 137 without a reason as memory or a slow stop', () => {
    const event = stopped({ containers: [{ name: 'app', exitCode: 137 }] });

    expect(hintsFor(event, event.containers)).toEqual([
      'app: exit 137 = killed (SIGKILL): out of memory, or it did not stop within its stop timeout after SIGTERM.',
    ]);
  });

  it('explains an image pull failure once, then what a start failure means', () => {
    const result = hints('failed-to-start-pull');

    expect(result[0]).toMatch(/^image or registry access/);
    expect(result.filter((h) => h.includes('image or registry access'))).toHaveLength(1);
    expect(result.at(-1)).toMatch(/^the task never ran/);
  });

  it('explains secrets for a ResourceInitializationError without containers', () => {
    expect(hints('failed-to-start-secrets')[0]).toMatch(/^secrets, network or log setup/);
  });

  it.each([
    ['spot-interruption', /Fargate Spot took the capacity back/],
    ['termination-notice', /host went away/],
    ['elb-health-check', /load balancer found the task unhealthy/],
    ['exit-1', /report: exit 1 = the application reported an error/],
  ] as const)('explains the %s sample', (name, expected) => {
    expect(hints(name).join('\n')).toMatch(expected);
  });

  it('explains a container that has a reason but no exit code and no known pattern', () => {
    const event = stopped({ containers: [{ name: 'app', reason: 'something odd' }] });

    expect(hintsFor(event, event.containers)).toContain(
      'app: no exit code: it never ran, or stopped before it could report one.',
    );
  });
});
