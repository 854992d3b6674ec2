import type { ScalerConfig } from './config.js';
import type { TickMessage } from './event.js';
import { errorMessage } from '../kernel/errors.js';
import type { Log } from '../kernel/log.js';
import type { ScaleObservation } from './decide.js';
import { evaluateScaler, type BoundsCache, type EvaluationResult, type ScalingAdapters } from './service.js';
import { continuesChain, HEARTBEAT_SECONDS, nextTick, slotToClaim, type Chain } from './ticks.js';

/**
 * One tick of a chain — claim its slot, evaluate its scalers, send the next tick — and what a warm
 * function remembers between ticks. No SDK here: the adapters are injected.
 */

/** What a tick needs beyond an evaluation's adapters: the slot claim and the tick queue. */
export interface TickAdapters {
  /**
   * Claims a chain's slot with a conditional write (the slot must be newer than the last one
   * claimed): true for the one tick that may evaluate it; `previous` is the slot claimed before.
   */
  claimSlot(
    intervalSeconds: number,
    slot: number,
    at: string,
  ): Promise<{ claimed: boolean; previous?: number }>;
  /** Sends a chain's next tick to the tick queue, delayed by `delaySeconds` (0-900). */
  sendTick(tick: TickMessage, delaySeconds: number): Promise<void>;
}

/**
 * How long a warm function trusts what it saw: an idle scaler's service (for the idle shortcut) and
 * the Application Auto Scaling bounds. Past this, the next evaluation reads them again, so a count
 * or bounds changed by hand are seen within the heartbeat period.
 */
export const REMEMBER_MS = HEARTBEAT_SECONDS * 1000;

/** What a warm function carries from one tick to the next (module scope: lost at a cold start, which only costs a full read). */
export interface EvaluationMemory {
  /** Per scaler: the service as its last evaluation saw it when that one was idle, and when. */
  idle: Map<string, { seen: Pick<ScaleObservation, 'running' | 'desired'>; at: number }>;
  bounds: BoundsCache;
  /** When `bounds` was started; it is emptied once it is REMEMBER_MS old. */
  boundsSince: number;
}

export const newMemory = (): EvaluationMemory => ({ idle: new Map(), bounds: new Map(), boundsSince: 0 });

/**
 * Evaluates scalers once, concurrently and independently (one failing never stops the others),
 * with the idle shortcut for a scaler last seen idle less than REMEMBER_MS ago.
 */
export async function evaluateRound(
  scalers: readonly ScalerConfig[],
  tools: {
    adapters: ScalingAdapters;
    now: number;
    logger: Log;
    memory: EvaluationMemory;
    onResult: (result: EvaluationResult) => void;
  },
): Promise<EvaluationResult[]> {
  const { memory, now } = tools;
  if (now - memory.boundsSince >= REMEMBER_MS || now < memory.boundsSince) {
    memory.bounds.clear();
    memory.boundsSince = now;
  }
  const results = await Promise.all(
    scalers.map((scaler) => {
      const remembered = memory.idle.get(scaler.name);
      const fresh = remembered && now - remembered.at < REMEMBER_MS && now >= remembered.at;
      return evaluateScaler(scaler, {
        adapters: tools.adapters,
        now,
        bounds: memory.bounds,
        logger: tools.logger,
        ...(fresh ? { idleSince: remembered.seen } : {}),
      });
    }),
  );
  for (const result of results) {
    // A shortcut evaluation keeps the time of the full one it relied on, so a full read comes within REMEMBER_MS.
    const previous = memory.idle.get(result.scaler);
    if (result.idle && result.observation) {
      const at = previous && now - previous.at < REMEMBER_MS && now >= previous.at ? previous.at : now;
      memory.idle.set(result.scaler, {
        seen: { running: result.observation.running, desired: result.observation.desired },
        at,
      });
    } else {
      memory.idle.delete(result.scaler);
    }
    tools.onResult(result);
  }
  return results;
}

/** A tick to run: a chain, the slot its message named (none for the heartbeat), and the messages that asked. */
export interface TickRequest {
  intervalSeconds: number;
  slot?: number;
  messageIds: string[];
}

/** How a tick ended. */
export interface TickOutcome {
  intervalSeconds: number;
  slot: number;
  /** 'evaluated': this tick won the slot; 'duplicate': another tick had it; 'dropped': no such chain. */
  status: 'evaluated' | 'duplicate' | 'dropped' | 'failed';
  results: EvaluationResult[];
  /** The tick sent to continue the chain. */
  next?: { slot: number; delaySeconds: number };
  /** Why the slot could not be claimed or the next tick not sent: the messages are retried. */
  error?: string;
  messageIds: string[];
}

/**
 * Runs one tick of a chain. The slot is claimed first (so duplicates and forked chains evaluate
 * nothing and send nothing: every slot has at most one winner, and each winner sends one tick),
 * then the chain's scalers are evaluated, then the next tick is sent, delayed to the start of the
 * next slot (computed after the evaluations, so slow ones never shift the chain). A claim or send
 * that fails is an outcome with an error, never a throw.
 */
export async function runTick(
  chains: readonly Chain<ScalerConfig>[],
  request: TickRequest,
  tools: {
    adapters: ScalingAdapters & TickAdapters;
    clock: { now(): number };
    logger: Log;
    memory: EvaluationMemory;
    onResult: (result: EvaluationResult) => void;
  },
): Promise<TickOutcome> {
  const { adapters, clock, logger } = tools;
  const { intervalSeconds, messageIds } = request;
  const now = clock.now();
  const slot = slotToClaim(intervalSeconds, now, request.slot);
  const base = { intervalSeconds, slot, results: [], messageIds };
  const chain = chains.find((c) => c.intervalSeconds === intervalSeconds);
  if (!chain) {
    // The config changed since this tick was sent: its chain ends here; the heartbeat starts the new ones.
    logger.info('tick of a chain no longer configured: dropped', { intervalSeconds, slot });
    return { ...base, status: 'dropped' };
  }
  let claim: { claimed: boolean; previous?: number };
  try {
    claim = await adapters.claimSlot(intervalSeconds, slot, new Date(now).toISOString());
  } catch (error) {
    const reason = `claiming slot ${slot} of the ${intervalSeconds} s chain: ${errorMessage(error)}; no evaluation, the tick is retried`;
    logger.error('tick failed', { intervalSeconds, slot, reason });
    return { ...base, status: 'failed', error: reason };
  }
  if (!claim.claimed) {
    logger.debug('tick already evaluated by another', { intervalSeconds, slot, previous: claim.previous });
    return { ...base, status: 'duplicate' };
  }
  if (request.slot === undefined && claim.previous !== undefined && claim.previous < slot - 1) {
    logger.info('the heartbeat started the tick chain again', {
      intervalSeconds,
      slot,
      lastSlot: claim.previous,
      missedSlots: slot - 1 - claim.previous,
    });
  }
  const results = await evaluateRound(chain.scalers, {
    adapters,
    now,
    logger,
    memory: tools.memory,
    onResult: tools.onResult,
  });
  const idle = new Set(results.filter((r) => r.idle).map((r) => r.scaler));
  if (!continuesChain(chain, (name) => idle.has(name))) {
    return { ...base, status: 'evaluated', results };
  }
  const next = nextTick(intervalSeconds, slot, clock.now());
  try {
    await adapters.sendTick({ intervalSeconds, slot: next.slot }, next.delaySeconds);
  } catch (error) {
    const reason = `sending tick ${next.slot} of the ${intervalSeconds} s chain: ${errorMessage(error)}; the tick is retried, and the heartbeat starts the chain again within a minute`;
    logger.error('tick failed', { intervalSeconds, slot, reason });
    return { ...base, status: 'evaluated', results, error: reason };
  }
  return { ...base, status: 'evaluated', results, next };
}
