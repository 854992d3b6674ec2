import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../../shared/kernel/errors';
import { familyOf, lastSegment, parseTaskStateChange } from '../../../../shared/alerts/event';
import { SAMPLE_CASES, sampleEvent, stoppedEvent } from './fixtures';

describe('Function: parseTaskStateChange', () => {
  it.each(SAMPLE_CASES)('reads the shipped sample event %s', (name) => {
    const raw = sampleEvent(name);

    const event = parseTaskStateChange(raw);

    expect(event.lastStatus).toBe('STOPPED');
    expect(event.taskArn).toBe(raw.detail.taskArn);
    expect(event.region).toBe('eu-west-1');
    expect(event.account).toBe('111122223333');
    expect(event.partition).toBe('aws');
    expect(event.stopCode).toBe(raw.detail.stopCode);
    expect(event.version).toBe(raw.detail.version);
  });

  it('normalises the fields an alert needs', () => {
    const event = parseTaskStateChange(sampleEvent('oom'));

    expect(event).toMatchObject({
      eventId: '9a3c6e4b-1f2d-4c5e-8a7b-0d9e8f7a6b5c',
      cluster: 'prod',
      clusterArn: 'arn:aws:ecs:eu-west-1:111122223333:cluster/prod',
      taskId: '6f4c1a2b3d4e4f5a8b9c0d1e2f3a4b5c',
      family: 'web',
      revision: 42,
      group: 'service:web',
      service: 'web',
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      startedAt: '2026-11-21T09:18:16.377Z',
      stoppedAt: '2026-11-21T09:42:16.861Z',
      launchType: 'FARGATE',
    });
    expect(event.containers).toEqual([
      {
        name: 'app',
        exitCode: 137,
        reason: 'OutOfMemoryError: Container killed due to memory usage',
        runtimeId: expect.any(String),
      },
      { name: 'log-router', exitCode: 0, reason: undefined, runtimeId: expect.any(String) },
    ]);
  });

  it('reads a standalone task: group family:…, no service', () => {
    const event = parseTaskStateChange(sampleEvent('exit-1'));

    expect(event.group).toBe('family:nightly-report');
    expect(event.service).toBeUndefined();
    expect(event.family).toBe('nightly-report');
  });

  it('accepts a start failure without containers, exit codes or startedAt', () => {
    const event = parseTaskStateChange(sampleEvent('failed-to-start-secrets'));

    expect(event.containers).toEqual([]);
    expect(event.startedAt).toBeUndefined();
    expect(
      parseTaskStateChange(sampleEvent('failed-to-start-pull')).containers.map((c) => c.exitCode),
    ).toEqual([undefined, undefined]);
  });

  it('allows unknown fields, null values and a missing stop code, group and task definition', () => {
    const raw = stoppedEvent({ stopCode: null, group: null }) as Record<string, unknown> & {
      detail: Record<string, unknown>;
    };
    raw.detail.somethingNew = { nested: true };
    raw.detail.taskDefinitionArn = null;
    raw.detail.containers = [{ name: 'app', exitCode: null, reason: null, futureField: 1 }];
    raw.futureEnvelopeField = 'x';

    const event = parseTaskStateChange(raw);

    expect(event.stopCode).toBeUndefined();
    expect(event.group).toBeUndefined();
    expect(event.family).toBeUndefined();
    expect(event.containers).toEqual([
      { name: 'app', exitCode: undefined, reason: undefined, runtimeId: undefined },
    ]);
  });

  it('names a container without a name by its position', () => {
    const raw = stoppedEvent();
    (raw.detail as Record<string, unknown>).containers = [{ exitCode: 1 }, { name: '', exitCode: 2 }];

    expect(parseTaskStateChange(raw).containers.map((c) => c.name)).toEqual(['container 1', 'container 2']);
  });

  it('falls back to the cluster ARN for the region and keeps the partition of the ARNs', () => {
    const raw = stoppedEvent({ region: 'cn-north-1', partition: 'aws-cn' }) as Record<string, unknown>;
    delete raw.region;

    const event = parseTaskStateChange(raw);

    expect(event.region).toBe('cn-north-1');
    expect(event.partition).toBe('aws-cn');
  });

  it('keeps a huge stopped reason and non-ASCII text untouched (rendering truncates, parsing does not)', () => {
    const reason = `Ünïcödé 日本 😀 ${'x'.repeat(100_000)}`;

    const event = parseTaskStateChange(stoppedEvent({ stoppedReason: reason, service: 'café-☕' }));

    expect(event.stoppedReason).toBe(reason);
    expect(event.service).toBe('café-☕');
  });

  it('ignores __proto__ keys in the event instead of polluting prototypes', () => {
    const raw = JSON.parse(
      JSON.stringify(stoppedEvent()).replace('"detail":{', '"detail":{"__proto__":{"polluted":true},'),
    ) as unknown;

    const event = parseTaskStateChange(raw);

    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(event.cluster).toBe('prod');
  });

  it.each([
    ['not an object', 'just a string', '(root)'],
    ['another source', { ...stoppedEvent(), source: 'aws.s3' }, 'source'],
    [
      'another detail-type',
      { ...stoppedEvent(), 'detail-type': 'ECS Container Instance State Change' },
      'detail-type',
    ],
    ['no detail', { ...stoppedEvent(), detail: undefined }, 'detail'],
    [
      'no taskArn',
      { ...stoppedEvent(), detail: { ...stoppedEvent().detail, taskArn: undefined } },
      'detail.taskArn',
    ],
    [
      'an empty clusterArn',
      { ...stoppedEvent(), detail: { ...stoppedEvent().detail, clusterArn: '' } },
      'detail.clusterArn',
    ],
    [
      'a numeric stop code',
      { ...stoppedEvent(), detail: { ...stoppedEvent().detail, stopCode: 7 } },
      'detail.stopCode',
    ],
    [
      'a string exit code',
      {
        ...stoppedEvent(),
        detail: { ...stoppedEvent().detail, containers: [{ name: 'a', exitCode: '137' }] },
      },
      'detail.containers[0].exitCode',
    ],
    [
      'containers not a list',
      { ...stoppedEvent(), detail: { ...stoppedEvent().detail, containers: {} } },
      'detail.containers',
    ],
  ])('rejects %s with a PermanentError naming %s', (_, raw, path) => {
    const error = (() => {
      try {
        parseTaskStateChange(raw);
      } catch (e) {
        return e;
      }
      return undefined;
    })();

    expect(error).toBeInstanceOf(PermanentError);
    expect((error as Error).message).toMatch(/^not an ECS "Task State Change" EventBridge event: /);
    expect((error as Error).message).toContain(`${path}:`);
  });
});

describe('Function: familyOf', () => {
  it.each([
    ['arn:aws:ecs:eu-west-1:111122223333:task-definition/web:42', { family: 'web', revision: 42 }],
    ['arn:aws:ecs:eu-west-1:111122223333:task-definition/my_app-2', { family: 'my_app-2' }],
    ['web:7', { family: 'web', revision: 7 }],
    [undefined, {}],
  ])('reads %s', (arn, expected) => {
    expect(familyOf(arn)).toEqual(expected);
  });
});

describe('Function: lastSegment', () => {
  it('returns the name or id at the end of an ARN', () => {
    expect(lastSegment('arn:aws:ecs:eu-west-1:1:task/prod/abc')).toBe('abc');
    expect(lastSegment('plain')).toBe('plain');
  });
});
