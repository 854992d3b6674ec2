import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../../shared/kernel/errors';
import type { ScalerConfig } from '../../../../shared/scaling/config';
import {
  arrivalLeadOf,
  backlogOf,
  decideScale,
  isIdle,
  sameState,
  scaleInWaitSeconds,
  tasksFor,
  type ScaleObservation,
} from '../../../../shared/scaling/decide';
import { parsedScaler } from './fixtures';

const scaler = parsedScaler;

const observe = (fields: Partial<ScaleObservation> = {}): ScaleObservation => ({
  visible: 0,
  inFlight: 0,
  delayed: 0,
  running: 0,
  desired: 0,
  ...fields,
});

const NOW = new Date('2026-01-05T09:00:00Z');
const minutesAgo = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000).toISOString();

describe('Function: backlogOf', () => {
  it.each([
    ['visible only', { countInFlight: false, countDelayed: false }, 5],
    ['visible and in flight', { countInFlight: true, countDelayed: false }, 12],
    ['visible and delayed', { countInFlight: false, countDelayed: true }, 8],
    ['all three', { countInFlight: true, countDelayed: true }, 15],
  ])('counts %s', (_label, flags, expected) => {
    expect(backlogOf(flags, { visible: 5, inFlight: 7, delayed: 3 })).toBe(expected);
  });
});

describe('Function: tasksFor', () => {
  it.each([
    [0, 0],
    [1, 1],
    [9, 1],
    [10, 1],
    [11, 2],
    [20, 2],
    [399, 40],
    [400, 40],
    [401, 40],
    [100_000, 40],
  ])('needs ceil(%i / 10) tasks within 0..40: %i', (backlog, tasks) => {
    expect(tasksFor(scaler(), backlog)).toBe(tasks);
  });

  it('never goes below min', () => {
    expect(tasksFor(scaler({ min: 2 }), 0)).toBe(2);
  });
});

describe('Function: arrivalLeadOf', () => {
  const secondsAgo = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString();

  it.each([
    // 200 messages within a 60 s start-up need the 20 tasks of the default threshold.
    ['counts a growth whose arrivals within one start-up need 20 tasks', 0, 50, 15, 200],
    ['counts a faster growth in full', 0, 50, 10, 300],
    ['measures the growth over the time since the last evaluation', 100, 200, 20, 300],
  ])('%s', (_label, from, backlog, seconds, expected) => {
    const lead = arrivalLeadOf(scaler(), backlog, { backlog: from, backlogAt: secondsAgo(seconds) }, NOW);

    expect(lead?.expected).toBe(expected);
    expect(lead?.from).toBe(from);
    expect(lead?.seconds).toBe(seconds);
  });

  it.each([
    [
      'a growth whose arrivals need fewer than 20 tasks (198 messages)',
      { backlog: 10, backlogAt: secondsAgo(30) },
      109,
    ],
    ['a shrinking backlog', { backlog: 300, backlogAt: secondsAgo(10) }, 100],
    ['a backlog that stayed the same', { backlog: 300, backlogAt: secondsAgo(10) }, 300],
    ['no backlog seen before (an empty queue, or state written before the backlog was kept)', {}, 500],
    ['a time in the future', { backlog: 1, backlogAt: secondsAgo(-10) }, 500],
    ['the same time', { backlog: 1, backlogAt: NOW.toISOString() }, 500],
    ['a string that is no time', { backlog: 1, backlogAt: 'yesterday' }, 500],
  ])('counts nothing for %s', (_label, state, backlog) => {
    expect(arrivalLeadOf(scaler(), backlog, state, NOW)).toBeUndefined();
  });

  it('counts every growth at arrivalLeadTasks 0, and none above max', () => {
    const state = { backlog: 1, backlogAt: secondsAgo(10) };

    expect(arrivalLeadOf(scaler({ arrivalLeadTasks: 0 }), 2, state, NOW)?.expected).toBe(6);
    expect(arrivalLeadOf(scaler({ arrivalLeadTasks: 41 }), 10_000, state, NOW)).toBeUndefined();
  });

  it('looks one start-up ahead: twice as far for a 120 s start-up', () => {
    const state = { backlog: 0, backlogAt: secondsAgo(10) };

    expect(arrivalLeadOf(scaler({ taskStartupSeconds: 120 }), 50, state, NOW)?.expected).toBe(600);
  });
});

describe('Function: sameState', () => {
  it.each([
    ['two empty states', {}, {}, true],
    [
      'the same timer and backlog',
      { lowSince: 'a', backlog: 3, backlogAt: 'b' },
      { lowSince: 'a', backlog: 3, backlogAt: 'b' },
      true,
    ],
    ['another timer', { lowSince: 'a' }, { lowSince: 'b' }, false],
    ['another backlog', { backlog: 3, backlogAt: 'b' }, { backlog: 4, backlogAt: 'b' }, false],
    ['another backlog time', { backlog: 3, backlogAt: 'b' }, { backlog: 3, backlogAt: 'c' }, false],
    ['a backlog against none', { backlog: 3, backlogAt: 'b' }, {}, false],
  ])('compares %s', (_label, a, b, same) => {
    expect(sameState(a, b)).toBe(same);
  });
});

describe('Function: decideScale', () => {
  describe('scale out at once', () => {
    it('starts one task for one message on an idle service at min 0, says why, and keeps the backlog for the next evaluation', () => {
      // Act
      const decision = decideScale(scaler(), observe({ visible: 1 }), {}, NOW);

      // Assess
      expect(decision).toEqual({
        desired: 1,
        change: 'out',
        reason:
          'backlog 1 (1 visible + 0 in flight) needs ceil(1/10) = 1, bounded 1 (min 0, max 40); desired 0: scaling out to 1',
        state: { backlog: 1, backlogAt: NOW.toISOString() },
      });
    });

    it.each([
      ['exactly one task of messages', 10, 0, 1],
      ['one message more than a task', 11, 0, 2],
      ['exactly two tasks of messages', 20, 1, 2],
      ['a multiple at max', 400, 3, 40],
      ['more than max can hold', 5000, 3, 40],
    ])(
      'sets ceil(backlog / messagesPerTask) for %s (backlog %i, desired %i → %i)',
      (_l, visible, desired, out) => {
        const decision = decideScale(scaler(), observe({ visible, desired, running: desired }), {}, NOW);

        expect(decision).toMatchObject({ desired: out, change: 'out', state: {} });
      },
    );

    it('scales out even while a scale-in wait is running, and forgets it', () => {
      const decision = decideScale(
        scaler(),
        observe({ visible: 50, desired: 2, running: 2 }),
        { lowSince: minutesAgo(4) },
        NOW,
      );

      expect(decision).toMatchObject({ desired: 5, change: 'out', state: {} });
    });

    it('adds at most maxStepOut tasks per change', () => {
      const decision = decideScale(scaler({ maxStepOut: 3 }), observe({ visible: 100, desired: 1 }), {}, NOW);

      expect(decision.desired).toBe(4);
      expect(decision.change).toBe('out');
      expect(decision.reason).toContain('(maxStepOut 3; 10 wanted)');
    });

    it.each([
      ['without a step limit', {}],
      ['even past maxStepOut', { maxStepOut: 1 }],
    ])('raises a desired count below min to min at once %s (the config changed)', (_label, fields) => {
      const decision = decideScale(scaler({ min: 3, ...fields }), observe({ desired: 0 }), {}, NOW);

      expect(decision).toMatchObject({ desired: 3, change: 'out' });
    });
  });

  describe('counting the backlog', () => {
    it.each([
      ['in-flight messages when countInFlight', { countInFlight: true }, { visible: 5, inFlight: 10 }, 2],
      [
        'no in-flight messages without countInFlight',
        { countInFlight: false },
        { visible: 5, inFlight: 10 },
        1,
      ],
      ['delayed messages when countDelayed', { countDelayed: true }, { visible: 5, delayed: 6 }, 2],
      ['no delayed messages by default', {}, { visible: 5, delayed: 6 }, 1],
    ])('counts %s', (_label, fields, observation, desired) => {
      expect(decideScale(scaler(fields), observe(observation), {}, NOW).desired).toBe(desired);
    });

    it('names what it counted in the reason', () => {
      const decision = decideScale(
        scaler({ countDelayed: true }),
        observe({ visible: 3, inFlight: 4, delayed: 5 }),
        {},
        NOW,
      );

      expect(decision.reason).toMatch(
        /^backlog 12 \(3 visible \+ 4 in flight \+ 5 delayed\) needs ceil\(12\/10\) = 2/,
      );
    });
  });

  describe('holding steady', () => {
    it.each([
      ['an empty queue at min 0', observe(), 0],
      ['a backlog that needs exactly the desired count', observe({ visible: 25, desired: 3, running: 3 }), 3],
      ['an empty queue at min 2', observe({ desired: 2, running: 2 }), 2],
    ])('changes nothing for %s and clears the scale-in wait', (_label, observation, desired) => {
      const min = desired === 2 && observation.visible === 0 ? 2 : 0;
      const decision = decideScale(scaler({ min }), observation, { lowSince: minutesAgo(10) }, NOW);

      expect(decision).toMatchObject({ desired, change: 'none', state: {} });
      expect(decision.reason).toContain('already matches');
    });
  });

  describe('scale in after the delay', () => {
    // A start-up of an hour: the break-even wait is longer, so scaleInAfterMinutes (5) caps it.
    const scaler = (fields: Partial<ScalerConfig> = {}) =>
      parsedScaler({ taskStartupSeconds: 3600, ...fields });
    const idleFive = observe({ desired: 5, running: 5 });

    it.each([
      ['starts the wait when the backlog first needs fewer tasks', undefined, 'none', 5, NOW.toISOString()],
      ['keeps waiting after 4 min', minutesAgo(4), 'none', 5, minutesAgo(4)],
      ['keeps waiting at 4 min 59 s', minutesAgo(4 + 59 / 60), 'none', 5, minutesAgo(4 + 59 / 60)],
      ['scales in at exactly 5 min', minutesAgo(5), 'in', 0, undefined],
      ['scales in after 20 min', minutesAgo(20), 'in', 0, undefined],
    ])('%s', (_label, lowSince, change, desired, nextLowSince) => {
      // Act
      const decision = decideScale(scaler(), idleFive, { lowSince }, NOW);

      // Assess
      expect(decision.change).toBe(change);
      expect(decision.desired).toBe(desired);
      expect(decision.state.lowSince).toBe(nextLowSince);
    });

    it('says how long is left while it waits', () => {
      const decision = decideScale(scaler(), idleFive, { lowSince: minutesAgo(4) }, NOW);

      expect(decision.reason).toBe(
        'backlog 0 (0 visible + 0 in flight) needs ceil(0/10) = 0, bounded 0; desired 5: keeping 5 until the ' +
          'backlog has been low for 300 s (scaleInAfterMinutes 5; low since 2026-01-05T08:56:00.000Z, 60 s to go)',
      );
    });

    it('scales in to what the backlog needs, not by one', () => {
      const decision = decideScale(
        scaler(),
        observe({ visible: 15, desired: 10, running: 10 }),
        { lowSince: minutesAgo(6) },
        NOW,
      );

      expect(decision).toMatchObject({ desired: 2, change: 'in', state: {} });
    });

    it('never scales in below min', () => {
      const decision = decideScale(scaler({ min: 2 }), idleFive, { lowSince: minutesAgo(6) }, NOW);

      expect(decision.desired).toBe(2);
    });

    it('scales in at the first low evaluation when scaleInAfterMinutes is 0', () => {
      expect(decideScale(scaler({ scaleInAfterMinutes: 0 }), idleFive, {}, NOW)).toMatchObject({
        desired: 0,
        change: 'in',
      });
    });

    it.each([
      ['a time in the future', '2026-01-05T10:00:00Z'],
      ['a string that is no time', 'yesterday'],
    ])('restarts the wait when lowSince is %s', (_label, lowSince) => {
      const decision = decideScale(scaler(), idleFive, { lowSince }, NOW);

      expect(decision).toMatchObject({ change: 'none', desired: 5, state: { lowSince: NOW.toISOString() } });
    });
  });

  describe('break-even scale-in', () => {
    const idleFive = observe({ desired: 5, running: 5 });
    const secondsAgo = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString();

    it.each([
      ['keeps idle tasks until they have cost one start-up (59 s of 60)', 60, 59, 'none'],
      ['scales in once idle time equals the start-up time', 60, 60, 'in'],
      ['waits longer for slower start-ups (150 s of 180)', 180, 150, 'none'],
      ['scales in at once when tasks start instantly', 0, 0, 'in'],
    ])('%s', (_label, taskStartupSeconds, lowFor, change) => {
      const decision = decideScale(
        parsedScaler({ taskStartupSeconds }),
        idleFive,
        { lowSince: secondsAgo(lowFor) },
        NOW,
      );

      expect(decision.change).toBe(change);
    });

    it('uses scaleInAfterMinutes as an upper bound on the break-even wait', () => {
      expect(scaleInWaitSeconds(parsedScaler({ taskStartupSeconds: 600, scaleInAfterMinutes: 2 }))).toBe(120);
      expect(scaleInWaitSeconds(parsedScaler({ taskStartupSeconds: 45, scaleInAfterMinutes: 2 }))).toBe(45);
      expect(scaleInWaitSeconds(parsedScaler())).toBe(60);
    });

    it('names the break-even rule while it waits', () => {
      const decision = decideScale(parsedScaler(), idleFive, { lowSince: secondsAgo(20) }, NOW);

      expect(decision.reason).toContain('for 60 s (break-even: taskStartupSeconds 60;');
      expect(decision.reason).toContain('40 s to go');
    });
  });

  describe('surge lead', () => {
    const secondsAgo = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString();

    it('sizes a surge for its backlog and the arrivals expected within one start-up, and says why', () => {
      // Prepare: 50 messages in 10 s, 5 a second: 300 more before a task started now is ready.
      const state = { backlog: 1, backlogAt: secondsAgo(10) };

      // Act
      const decision = decideScale(
        scaler(),
        observe({ visible: 50, inFlight: 1, desired: 1, running: 1 }),
        state,
        NOW,
      );

      // Assess
      expect(decision).toEqual({
        desired: 36,
        change: 'out',
        reason:
          'backlog 51 (50 visible + 1 in flight) + 300 expected within 60 s (surge: growing 5.0/s, from 1 10 s ago; ' +
          'counted from 20 tasks) needs ceil(351/10) = 36, bounded 36 (min 0, max 40); desired 1: scaling out to 36',
        state: { backlog: 51, backlogAt: NOW.toISOString() },
      });
    });

    it('sizes a slower growth for its backlog alone, as without a surge lead', () => {
      const state = { backlog: 1, backlogAt: secondsAgo(10) };

      const decision = decideScale(
        scaler(),
        observe({ visible: 25, inFlight: 1, desired: 1, running: 1 }),
        state,
        NOW,
      );

      expect(decision).toMatchObject({ desired: 3, change: 'out' });
      expect(decision.reason).toMatch(/^backlog 26 \(25 visible \+ 1 in flight\) needs ceil\(26\/10\) = 3,/);
    });

    it('decides as before from a state written before the backlog was kept', () => {
      const old = { lowSince: minutesAgo(2) };
      const o = observe({ visible: 0, inFlight: 0, desired: 5, running: 5 });

      const decision = decideScale(scaler(), o, old, NOW);

      expect(decision).toMatchObject({ desired: 0, change: 'in', state: {} });
    });

    it('keeps no backlog in the state once the queue is empty, so an idle scaler writes nothing', () => {
      const decision = decideScale(scaler(), observe(), { backlog: 7, backlogAt: secondsAgo(10) }, NOW);

      expect(decision).toMatchObject({ change: 'none', state: {} });
    });

    it('keeps the scale-in timer and the backlog together while it waits', () => {
      const decision = decideScale(
        scaler(),
        observe({ visible: 3, desired: 5, running: 5 }),
        { lowSince: secondsAgo(20), backlog: 4, backlogAt: secondsAgo(10) },
        NOW,
      );

      expect(decision).toMatchObject({
        change: 'none',
        state: { lowSince: secondsAgo(20), backlog: 3, backlogAt: NOW.toISOString() },
      });
    });

    it('stops leading when the surge ends: the scale-in wait starts while the backlog drains', () => {
      const decision = decideScale(
        scaler(),
        observe({ visible: 200, inFlight: 40, desired: 40, running: 40 }),
        { backlog: 250, backlogAt: secondsAgo(10) },
        NOW,
      );

      expect(decision).toMatchObject({ desired: 40, change: 'none', state: { lowSince: NOW.toISOString() } });
      expect(decision.reason).toContain('keeping 40 until the backlog has been low for 60 s');
    });
  });

  describe('isIdle', () => {
    const s = parsedScaler({ min: 1 });
    const none = { change: 'none' as const, desired: 1, state: {} };

    it('is idle with an empty queue, the service at min and no wait running', () => {
      expect(isIdle(s, observe({ desired: 1, running: 1 }), none)).toBe(true);
    });

    it.each([
      ['a visible message', observe({ visible: 1, desired: 1, running: 1 }), none],
      ['an in-flight message', observe({ inFlight: 1, desired: 1, running: 1 }), none],
      ['a delayed message', observe({ delayed: 1, desired: 1, running: 1 }), none],
      ['more tasks running than min', observe({ desired: 1, running: 2 }), none],
      [
        'a scale-in wait running',
        observe({ desired: 2, running: 2 }),
        { ...none, desired: 2, state: { lowSince: NOW.toISOString() } },
      ],
      [
        'a change decided',
        observe({ desired: 2, running: 2 }),
        { change: 'in' as const, desired: 1, state: {} },
      ],
    ])('is not idle with %s', (_label, o, decision) => {
      expect(isIdle(s, o, decision)).toBe(false);
    });
  });

  describe('in-flight messages and step limits', () => {
    it('keeps a task for each in-flight message, up to the running tasks, and keeps the wait', () => {
      // Prepare: countInFlight off, so the backlog alone would allow 0 tasks.
      const observation = observe({ visible: 0, inFlight: 3, desired: 5, running: 5 });

      // Act
      const decision = decideScale(
        scaler({ countInFlight: false }),
        observation,
        { lowSince: minutesAgo(6) },
        NOW,
      );

      // Assess
      expect(decision).toMatchObject({ desired: 3, change: 'in', state: { lowSince: minutesAgo(6) } });
      expect(decision.reason).toContain('(3 in-flight messages may occupy 3 running tasks)');
    });

    it('does not scale in while every running task may hold an in-flight message', () => {
      const observation = observe({ visible: 0, inFlight: 7, desired: 5, running: 5 });

      const decision = decideScale(
        scaler({ countInFlight: false }),
        observation,
        { lowSince: minutesAgo(6) },
        NOW,
      );

      expect(decision).toMatchObject({ desired: 5, change: 'none', state: { lowSince: minutesAgo(6) } });
      expect(decision.reason).toContain('not scaling in (7 in-flight messages may occupy 5 running tasks)');
    });

    it('names the in-flight messages when more tasks run than are desired (some still stopping)', () => {
      const observation = observe({ visible: 0, inFlight: 8, desired: 5, running: 8 });

      const decision = decideScale(
        scaler({ countInFlight: false }),
        observation,
        { lowSince: minutesAgo(6) },
        NOW,
      );

      expect(decision).toMatchObject({ desired: 5, change: 'none' });
      expect(decision.reason).toContain('not scaling in (8 in-flight messages may occupy 8 running tasks)');
    });

    it('removes at most maxStepIn tasks per change and continues at the next evaluation', () => {
      // Act
      const first = decideScale(
        scaler({ maxStepIn: 4 }),
        observe({ desired: 10, running: 10 }),
        { lowSince: minutesAgo(5) },
        NOW,
      );
      const second = decideScale(
        scaler({ maxStepIn: 4 }),
        observe({ desired: first.desired, running: first.desired }),
        first.state,
        new Date(NOW.getTime() + 60_000),
      );

      // Assess
      expect(first).toMatchObject({ desired: 6, change: 'in', state: { lowSince: minutesAgo(5) } });
      expect(first.reason).toContain('(maxStepIn 4)');
      expect(second).toMatchObject({ desired: 2, change: 'in' });
    });

    it('brings a desired count above max down to max at once (the config changed)', () => {
      const decision = decideScale(
        scaler({ max: 8 }),
        observe({ visible: 500, desired: 12, running: 12 }),
        {},
        NOW,
      );

      expect(decision).toMatchObject({ desired: 8, change: 'in', state: {} });
      expect(decision.reason).toMatch(/^desired 12 is above max 8: scaling in to 8 at once/);
    });
  });

  describe('input checks', () => {
    it.each([
      ['a negative count', { visible: -1 }],
      ['a fraction', { inFlight: 1.5 }],
      ['NaN', { running: Number.NaN }],
    ])('refuses %s with a permanent error naming the field', (_label, fields) => {
      expect(() => decideScale(scaler(), observe(fields), {}, NOW)).toThrow(PermanentError);
      expect(() => decideScale(scaler(), observe(fields), {}, NOW)).toThrow(
        /^observation\.\w+ must be a whole number/,
      );
    });
  });

  describe('properties', () => {
    const cases = fc.record({
      min: fc.integer({ min: 0, max: 5 }),
      span: fc.integer({ min: 0, max: 30 }),
      messagesPerTask: fc.integer({ min: 1, max: 50 }),
      scaleInAfterMinutes: fc.integer({ min: 0, max: 30 }),
      taskStartupSeconds: fc.integer({ min: 0, max: 3600 }),
      countInFlight: fc.boolean(),
      maxStepIn: fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined }),
      maxStepOut: fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined }),
      visible: fc.integer({ min: 0, max: 2000 }),
      inFlight: fc.integer({ min: 0, max: 200 }),
      running: fc.integer({ min: 0, max: 60 }),
      desired: fc.integer({ min: 0, max: 60 }),
      lowForMinutes: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
      previousBacklog: fc.option(fc.integer({ min: 1, max: 2000 }), { nil: undefined }),
      previousSecondsAgo: fc.integer({ min: -30, max: 600 }),
      arrivalLeadTasks: fc.integer({ min: 0, max: 40 }),
    });
    type Case = typeof cases extends fc.Arbitrary<infer T> ? T : never;
    const decide = (c: Case) => {
      const s = scaler({
        min: c.min,
        max: Math.max(1, c.min + c.span),
        messagesPerTask: c.messagesPerTask,
        scaleInAfterMinutes: c.scaleInAfterMinutes,
        taskStartupSeconds: c.taskStartupSeconds,
        countInFlight: c.countInFlight,
        maxStepIn: c.maxStepIn,
        maxStepOut: c.maxStepOut,
        arrivalLeadTasks: c.arrivalLeadTasks,
      });
      const o = observe({ visible: c.visible, inFlight: c.inFlight, running: c.running, desired: c.desired });
      const lowSince = c.lowForMinutes === undefined ? undefined : minutesAgo(c.lowForMinutes);
      const seen =
        c.previousBacklog === undefined
          ? {}
          : {
              backlog: c.previousBacklog,
              backlogAt: new Date(NOW.getTime() - c.previousSecondsAgo * 1000).toISOString(),
            };
      return { s, o, lowSince, decision: decideScale(s, o, { lowSince, ...seen }, NOW) };
    };

    it('always lands within [min, max] and the change matches the direction', () => {
      fc.assert(
        fc.property(cases, (c) => {
          const { s, o, decision } = decide(c);
          expect(decision.desired).toBeGreaterThanOrEqual(s.min);
          expect(decision.desired).toBeLessThanOrEqual(s.max);
          const direction =
            decision.desired > o.desired ? 'out' : decision.desired < o.desired ? 'in' : 'none';
          expect(decision.change).toBe(direction);
        }),
      );
    });

    it('only scales in within bounds after the backlog has been low for the scale-in wait', () => {
      fc.assert(
        fc.property(cases, (c) => {
          const { s, o, lowSince, decision } = decide(c);
          if (decision.change !== 'in' || o.desired > s.max) return;
          const lowFor = lowSince === undefined ? 0 : (NOW.getTime() - Date.parse(lowSince)) / 60_000;
          expect(lowFor * 60).toBeGreaterThanOrEqual(scaleInWaitSeconds(s));
          expect(scaleInWaitSeconds(s)).toBeLessThanOrEqual(s.scaleInAfterMinutes * 60);
          expect(decision.desired).toBeGreaterThanOrEqual(Math.min(o.inFlight, o.running, o.desired));
        }),
      );
    });

    it('keeps the backlog it saw in the state exactly when there is one', () => {
      fc.assert(
        fc.property(cases, (c) => {
          const { s, o, decision } = decide(c);
          const backlog = backlogOf(s, o);
          expect(decision.state.backlog).toBe(backlog > 0 ? backlog : undefined);
          expect(decision.state.backlogAt).toBe(backlog > 0 ? NOW.toISOString() : undefined);
        }),
      );
    });

    it('scales out whenever the backlog needs more tasks, whatever the state', () => {
      fc.assert(
        fc.property(cases, (c) => {
          const { s, o, decision } = decide(c);
          if (tasksFor(s, backlogOf(s, o)) > o.desired && o.desired <= s.max) {
            expect(decision.change).toBe('out');
          }
        }),
      );
    });
  });
});
