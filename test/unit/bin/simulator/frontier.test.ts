import { describe, expect, it } from 'vitest';
import { renderFrontier } from '../../../../bin/simulator/frontier';
import { comparePolicies, DEFAULT_SIMULATION_SCALER } from '../../../../bin/simulator/simulate';
import { parseTrace } from '../../../../bin/simulator/trace';

describe('Function: renderFrontier', () => {
  it('draws one point and one legend entry per policy, the work floor and the clairvoyant p95, with escaped titles', () => {
    // Prepare: one message; target tracking never starts a task for it (a lower-bound p95).
    const comparison = comparePolicies(parseTrace('0,1'), DEFAULT_SIMULATION_SCALER, undefined, {
      tailSeconds: 600,
    });

    // Act
    const svg = renderFrontier('a <b> & "c"', comparison);

    // Assess
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('a &lt;b&gt; &amp; &quot;c&quot;');
    expect(svg.match(/<circle /g)).toHaveLength(2 * comparison.runs.length);
    expect(svg).toContain('work floor 1');
    expect(svg).toContain('ecs-pilot: 60 s, 3');
    expect(svg).toContain('target-tracking: ≥ 601 s, 0');
    // Hollow markers for the policy that left a message unprocessed.
    expect(svg.match(/fill="white" stroke="#e7298a"/g)).toHaveLength(2);
    expect(svg).not.toMatch(/NaN|undefined|Infinity/);
  });

  it('draws the cost bound as a step line that never falls as the p95 target tightens', () => {
    const comparison = comparePolicies(parseTrace('0,1'), DEFAULT_SIMULATION_SCALER, undefined, {
      tailSeconds: 600,
    });

    const svg = renderFrontier('bound', comparison, [
      { p95Seconds: 100, taskMinutes: 1 },
      { p95Seconds: 0, taskMinutes: 0.5 },
      { p95Seconds: 50, taskMinutes: Number.POSITIVE_INFINITY },
    ]);

    const polyline = /<polyline points="([^"]+)"/.exec(svg)?.[1]?.split(' ') ?? [];
    // Two finite targets, two points each; at 0 s the bound is lifted to the 1 task-minute of 100 s.
    expect(polyline).toHaveLength(4);
    const levels = polyline.map((point) => point.split(',')[1]);
    expect(new Set(levels).size).toBe(1);
    expect(svg).toContain('cost bound (any policy)');
    expect(svg).not.toMatch(/NaN|undefined|Infinity/);
  });
});
