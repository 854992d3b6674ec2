import { describe, expect, it } from 'vitest';
import { niceStep, renderChart } from '../../../../bin/simulator/chart';
import type { Comparison } from '../../../../bin/simulator/simulate';

/**
 * Only the fields renderChart reads. The simulator's types are being reworked, so the rest of
 * Comparison is left out on purpose (hence the cast).
 */
const comparison = (runs: { policy: string; tasks: number[] }[]): Comparison =>
  ({
    horizonSeconds: 600,
    scaler: { max: 4 },
    runs: runs.map(({ policy, tasks }) => ({
      policy,
      samples: tasks.map((n, i) => ({ t: i * 60, visible: 10 * i, tasks: n })),
      figures: { peakTasks: Math.max(...tasks), p95WaitSeconds: 42.4, taskMinutes: 12.3, scalingActions: 2 },
    })),
  }) as unknown as Comparison;

describe('Function: niceStep', () => {
  it.each([
    [0, 4, 0.5],
    [9, 4, 5],
    [40, 4, 10],
    [100, 4, 50],
    [1000, 4, 500],
    [60, 8, 10],
  ])('gives max %s in %s ticks a step of %s', (max, ticks, step) => {
    expect(niceStep(max, ticks)).toBe(step);
  });

  it.each([3, 17, 99, 250, 7_777])('gives %s a 1, 2 or 5 step whose ticks reach the maximum', (max) => {
    const step = niceStep(max);
    const mantissa = step / 10 ** Math.floor(Math.log10(step));

    expect([1, 2, 5]).toContain(Math.round(mantissa));
    expect(step * 4).toBeGreaterThanOrEqual(max);
  });
});

describe('Function: renderChart', () => {
  it('draws one panel per policy in one SVG whose height grows with the panels', () => {
    const one = renderChart('t', comparison([{ policy: 'ecs-pilot', tasks: [0, 1] }]));
    const two = renderChart(
      't',
      comparison([
        { policy: 'ecs-pilot', tasks: [0, 1] },
        { policy: 'target tracking', tasks: [0, 2] },
      ]),
    );

    expect(two.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(two.endsWith('</svg>\n')).toBe(true);
    expect(two.match(/<g>/g)).toHaveLength(2);
    const height = (svg: string) => Number(/height="(\d+)"/.exec(svg)?.[1]);
    expect(height(two)).toBeGreaterThan(height(one));
  });

  it('escapes the title and policy names', () => {
    const svg = renderChart('burst <10 & "more">', comparison([{ policy: 'a<b', tasks: [1] }]));

    expect(svg).toContain('burst &lt;10 &amp; &quot;more&quot;&gt;');
    expect(svg).toContain('>a&lt;b</text>');
    expect(svg).not.toContain('<10');
  });

  it('draws task counts as a step line: one extra point at each change', () => {
    const svg = renderChart('t', comparison([{ policy: 'p', tasks: [1, 1, 3, 3, 2] }]));

    const taskLine = /stroke="#d95f02" stroke-width="1.5" points="([^"]*)"/.exec(svg)?.[1] ?? '';
    // Five samples and two changes (1→3, 3→2).
    expect(taskLine.split(' ')).toHaveLength(7);
  });
});
