import { describe, expect, it } from 'vitest';
import { RetryableError } from '../../../../shared/kernel/errors';
import {
  evaluateRound,
  newMemory,
  REMEMBER_MS,
  runTick,
  type TickAdapters,
} from '../../../../shared/scaling/chain';
import type { ScalerConfig } from '../../../../shared/scaling/config';
import type { EvaluationResult } from '../../../../shared/scaling/service';
import { chainsOf } from '../../../../shared/scaling/ticks';
import { recordingLogger } from '../../../helpers/log';
import { fakeAdapters, parsedScaler } from './fixtures';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const SLOT = T0 / 10_000;
const scaler = parsedScaler;

/** Adapters with a slot store that behaves like the conditional write, and a tick queue that records sends. */
function tickAdapters(world: Parameters<typeof fakeAdapters>[0] = {}) {
  const base = fakeAdapters(world);
  const slots = new Map<number, number>();
  const sent: { intervalSeconds: number; slot: number; delaySeconds: number }[] = [];
  const ticks: TickAdapters = {
    claimSlot: async (interval: number, slot: number) => {
      base.calls.push(`claim ${slot}`);
      const previous = slots.get(interval);
      if (previous !== undefined && previous >= slot) return { claimed: false };
      slots.set(interval, slot);
      return { claimed: true, ...(previous !== undefined ? { previous } : {}) };
    },
    sendTick: async (tick: { intervalSeconds: number; slot: number }, delaySeconds: number) => {
      base.calls.push(`send ${tick.slot}`);
      sent.push({ ...tick, delaySeconds });
    },
  };
  return Object.assign(base, ticks, { slots, sent });
}

const run = (
  scalers: ScalerConfig[],
  adapters: ReturnType<typeof tickAdapters>,
  options: {
    now: number;
    slot?: number;
    memory?: ReturnType<typeof newMemory>;
    results?: EvaluationResult[];
  },
) => {
  const logger = recordingLogger();
  const outcome = runTick(
    chainsOf(scalers),
    {
      intervalSeconds: scalers[0]!.intervalSeconds,
      messageIds: ['m1'],
      ...(options.slot !== undefined ? { slot: options.slot } : {}),
    },
    {
      adapters,
      clock: { now: () => options.now },
      logger,
      memory: options.memory ?? newMemory(),
      onResult: (r) => options.results?.push(r),
    },
  );
  return { outcome, logger };
};

describe('Function: runTick', () => {
  it('claims the slot, evaluates the chain’s scalers, then sends the next tick delayed to the next slot', async () => {
    const adapters = tickAdapters({ visible: 5 });

    const { outcome } = run([scaler()], adapters, { now: T0 + 300, slot: SLOT });

    expect(await outcome).toMatchObject({
      status: 'evaluated',
      slot: SLOT,
      next: { slot: SLOT + 1, delaySeconds: 10 },
      results: [expect.objectContaining({ outcome: 'scale-out' })],
    });
    expect(adapters.calls[0]).toBe(`claim ${SLOT}`);
    expect(adapters.calls.at(-1)).toBe(`send ${SLOT + 1}`);
  });

  it('evaluates nothing and sends nothing for a slot another tick already claimed (a duplicate or forked chain)', async () => {
    const adapters = tickAdapters({ visible: 5 });
    await run([scaler()], adapters, { now: T0, slot: SLOT }).outcome;
    adapters.calls.length = 0;

    const duplicate = await run([scaler()], adapters, { now: T0 + 500, slot: SLOT }).outcome;
    const heartbeat = await run([scaler()], adapters, { now: T0 + 800 }).outcome;

    expect([duplicate.status, heartbeat.status]).toEqual(['duplicate', 'duplicate']);
    expect(adapters.calls).toEqual([`claim ${SLOT}`, `claim ${SLOT}`]);
    expect(adapters.sent).toHaveLength(1);
  });

  it('keeps one chain whatever mix of duplicates, heartbeats and late ticks arrives: one evaluation and one send per slot', async () => {
    const adapters = tickAdapters();
    // Every slot gets its chain tick twice (SQS delivers at least once) plus a heartbeat each minute,
    // and a tick redelivered a slot late.
    for (let k = 0; k < 30; k += 1) {
      const start = T0 + k * 10_000;
      await run([scaler()], adapters, { now: start + 200, slot: SLOT + k }).outcome;
      await run([scaler()], adapters, { now: start + 700, slot: SLOT + k }).outcome;
      if (k % 6 === 0) await run([scaler()], adapters, { now: start + 100 }).outcome;
      if (k > 0) await run([scaler()], adapters, { now: start + 900, slot: SLOT + k - 1 }).outcome;
    }

    expect(adapters.calls.filter((c) => c === 'readState').length).toBeLessThanOrEqual(30);
    expect(adapters.sent.map((t) => t.slot)).toEqual(Array.from({ length: 30 }, (_, k) => SLOT + k + 1));
  });

  it('takes the slot it runs in when it arrives late, so a chain never evaluates a slot that is over', async () => {
    const adapters = tickAdapters();

    const outcome = await run([scaler()], adapters, { now: T0 + 25_000, slot: SLOT }).outcome;

    expect(outcome).toMatchObject({ slot: SLOT + 2, next: { slot: SLOT + 3, delaySeconds: 5 } });
  });

  it('says when the heartbeat finds the chain stopped, and starts it again', async () => {
    const adapters = tickAdapters();
    adapters.slots.set(10, SLOT - 4);

    const { outcome, logger } = run([scaler()], adapters, { now: T0 + 100 });

    expect((await outcome).next).toEqual({ slot: SLOT + 1, delaySeconds: 10 });
    expect(logger.at('info', 'the heartbeat started the tick chain again')).toEqual([
      expect.objectContaining({ extra: expect.objectContaining({ lastSlot: SLOT - 4, missedSlots: 3 }) }),
    ]);
  });

  it('fails the tick (its message is retried) without evaluating when the slot cannot be claimed', async () => {
    const adapters = tickAdapters({ visible: 5 });
    adapters.claimSlot = async () => {
      throw new RetryableError('tick slot (DynamoDB UpdateItem tick#10s): ThrottlingException');
    };

    const { outcome, logger } = run([scaler()], adapters, { now: T0, slot: SLOT });

    expect(await outcome).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('ThrottlingException'),
    });
    expect(adapters.calls).toEqual([]);
    expect(logger.at('error', 'tick failed')).toHaveLength(1);
  });

  it('keeps the evaluation but reports an error (retry) when the next tick cannot be sent', async () => {
    const adapters = tickAdapters({ visible: 5 });
    adapters.sendTick = async () => {
      throw new RetryableError('SendMessage: ServiceUnavailable');
    };

    const outcome = await run([scaler()], adapters, { now: T0, slot: SLOT }).outcome;

    expect(outcome).toMatchObject({
      status: 'evaluated',
      error: expect.stringContaining('the heartbeat starts the chain again within a minute'),
    });
    expect(outcome.results.map((r) => r.outcome)).toEqual(['scale-out']);
    expect(outcome.next).toBeUndefined();
  });

  it('drops a tick of a chain the config no longer has', async () => {
    const adapters = tickAdapters();
    const logger = recordingLogger();

    const outcome = await runTick(
      chainsOf([scaler({ intervalSeconds: 20 })]),
      { intervalSeconds: 10, slot: SLOT, messageIds: ['m1'] },
      { adapters, clock: { now: () => T0 }, logger, memory: newMemory(), onResult: () => undefined },
    );

    expect(outcome.status).toBe('dropped');
    expect(adapters.calls).toEqual([]);
  });

  it('pauses a chain whose scalers all opted into idleOncePerMinute while they are idle, and not otherwise', async () => {
    const idle = tickAdapters({ visible: 0, desired: 0 });
    const busy = tickAdapters({ visible: 3, desired: 0 });
    const optedIn = [scaler({ idleOncePerMinute: true }), scaler({ name: 'other', idleOncePerMinute: true })];

    const paused = await run(optedIn, idle, { now: T0, slot: SLOT }).outcome;
    const going = await run(optedIn, busy, { now: T0, slot: SLOT }).outcome;

    expect(paused.next).toBeUndefined();
    expect(idle.sent).toEqual([]);
    expect(going.next).toEqual({ slot: SLOT + 1, delaySeconds: 10 });
  });

  it('sends no next tick for a chain of 60 s: the heartbeat evaluates it every minute', async () => {
    const adapters = tickAdapters({ visible: 5 });

    const outcome = await run([scaler({ intervalSeconds: 60 })], adapters, { now: T0 }).outcome;

    expect(outcome.status).toBe('evaluated');
    expect(adapters.sent).toEqual([]);
  });
});

describe('Function: evaluateRound', () => {
  const round = (
    scalers: ScalerConfig[],
    adapters: ReturnType<typeof fakeAdapters>,
    now: number,
    memory = newMemory(),
  ) =>
    evaluateRound(scalers, { adapters, now, logger: recordingLogger(), memory, onResult: () => undefined });

  it('reads only the queue while a scaler stays idle, the whole picture once a message arrives', async () => {
    const world = { visible: 0, desired: 0 };
    const adapters = fakeAdapters(world);
    const memory = newMemory();
    const outcomes: string[] = [];

    for (let k = 0; k < 4; k += 1) {
      if (k === 2) world.visible = 1;
      const [result] = await round([scaler()], adapters, T0 + k * 10_000, memory);
      outcomes.push(`${result!.outcome}${result!.idle ? ' idle' : ''}`);
    }

    expect(outcomes).toEqual(['unchanged idle', 'unchanged idle', 'scale-out', 'unchanged']);
    expect(adapters.calls.filter((call) => call === 'describe')).toHaveLength(3);
    expect(adapters.calls.filter((call) => call === 'depth')).toHaveLength(4);
  });

  it('reads the service again once what it remembers of an idle scaler is REMEMBER_MS old (a count changed by hand is seen)', async () => {
    const adapters = fakeAdapters({ visible: 0, desired: 0 });
    const memory = newMemory();

    for (let t = T0; t <= T0 + REMEMBER_MS; t += 10_000) await round([scaler()], adapters, t, memory);

    // Full reads at T0 and T0 + REMEMBER_MS; the five in between read the queue only.
    expect(adapters.calls.filter((call) => call === 'describe')).toHaveLength(2);
  });

  it('never takes the idle shortcut while a scale-in wait runs', async () => {
    const adapters = fakeAdapters({ visible: 0, desired: 2 });
    const memory = newMemory();

    for (let k = 0; k < 4; k += 1) {
      await round([scaler({ taskStartupSeconds: 3600 })], adapters, T0 + k * 10_000, memory);
    }

    expect(adapters.calls.filter((call) => call === 'describe')).toHaveLength(4);
  });

  it('looks Application Auto Scaling bounds up once a minute per scaler, and again after a failure', async () => {
    const adapters = fakeAdapters({ visible: 5, desired: 1 });
    let lookups = 0;
    adapters.bounds = async () => {
      lookups += 1;
      if (lookups === 1) throw new RetryableError('DescribeScalableTargets: ThrottlingException');
      return undefined;
    };
    const memory = newMemory();
    const outcomes: string[] = [];

    for (let t = T0; t < T0 + 2 * REMEMBER_MS; t += 10_000) {
      outcomes.push(...(await round([scaler()], adapters, t, memory)).map((r) => r.outcome));
    }

    expect(outcomes[0]).toBe('failed');
    expect(outcomes.slice(1).every((o) => o === 'unchanged')).toBe(true);
    // The failed one, the next (not cached), and one more when the minute is up.
    expect(lookups).toBe(3);
  });

  it('evaluates every scaler, one failing never stopping the others', async () => {
    const adapters = fakeAdapters({ visible: 5 });
    const failing = adapters.depth;
    adapters.depth = async (queue) => {
      if (queue === 'broken-jobs') throw new RetryableError('GetQueueAttributes: ThrottlingException');
      return failing(queue);
    };

    const results = await round(
      [scaler(), scaler({ name: 'broken', queue: 'broken-jobs', service: 'broken' })],
      adapters,
      T0,
    );

    expect(results.map((r) => [r.scaler, r.outcome])).toEqual([
      ['video-workers', 'scale-out'],
      ['broken', 'failed'],
    ]);
  });
});
