import type { Delivery } from './config.js';

/** How processing one queued event ended. */
export type RecordOutcome =
  | { kind: 'done' }
  | { kind: 'permanent'; reason: string }
  | { kind: 'retryable'; reason: string }
  /** A cap is reached: try again later without spending one of the event's attempts. */
  | { kind: 'deferred'; reason: string; baseSeconds?: number };

/** What the queue should do with the message. */
export type DeliveryAction =
  | { action: 'ack' }
  | { action: 'retry'; delaySeconds: number; reason: string }
  | { action: 'defer'; delaySeconds: number; deferrals: number; reason: string }
  | { action: 'dead-letter'; reason: string };

/** SQS caps visibility timeouts and message delays at 15 minutes. */
export const MAX_DELAY_SECONDS = 900;

/** First delay of a deferred event unless its error asks for another (a cap: a minute). */
export const DEFER_BASE_SECONDS = 60;

/** Deferrals allowed before an event is dead-lettered: about a day at the longest delay. */
export const MAX_DEFERRALS = 100;

export interface DeliveryState {
  /** 1 on first delivery (SQS ApproximateReceiveCount). */
  attempt: number;
  /** Times this event was already deferred. */
  deferrals: number;
}

/** Exponential backoff with equal jitter: half fixed, half random, capped at 15 minutes. */
export function backoffSeconds(
  baseSeconds: number,
  step: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(MAX_DELAY_SECONDS, baseSeconds * 2 ** Math.max(0, step - 1));
  return Math.min(MAX_DELAY_SECONDS, Math.ceil(ceiling / 2 + (ceiling / 2) * random()));
}

/** Decides the fate of a message from its outcome and delivery history. Pure. */
export function decideDelivery(
  outcome: RecordOutcome,
  state: DeliveryState,
  settings: Pick<Delivery, 'maxAttempts' | 'retryBaseSeconds'>,
  random: () => number = Math.random,
): DeliveryAction {
  switch (outcome.kind) {
    case 'done':
      return { action: 'ack' };
    case 'permanent':
      return { action: 'dead-letter', reason: `permanent failure: ${outcome.reason}` };
    case 'retryable':
      if (state.attempt >= settings.maxAttempts) {
        return {
          action: 'dead-letter',
          reason: `gave up after ${state.attempt} attempts; last error: ${outcome.reason}`,
        };
      }
      return {
        action: 'retry',
        delaySeconds: backoffSeconds(settings.retryBaseSeconds, state.attempt, random),
        reason: outcome.reason,
      };
    case 'deferred':
      if (state.deferrals >= MAX_DEFERRALS) {
        return {
          action: 'dead-letter',
          reason: `still deferred after ${state.deferrals} deferrals: ${outcome.reason}`,
        };
      }
      return {
        action: 'defer',
        delaySeconds: backoffSeconds(outcome.baseSeconds ?? DEFER_BASE_SECONDS, state.deferrals + 1, random),
        deferrals: state.deferrals + 1,
        reason: outcome.reason,
      };
  }
}
