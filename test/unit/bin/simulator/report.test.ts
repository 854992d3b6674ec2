import { describe, expect, it } from 'vitest';
import { renderChart, niceStep } from '../../../../bin/simulator/chart';
import { comparisonJson, formatComparison, minutes, seconds } from '../../../../bin/simulator/report';
import { comparePolicies, DEFAULT_SIMULATION_SCALER } from '../../../../bin/simulator/simulate';
import { parseTrace } from '../../../../bin/simulator/trace';

const comparison = () =>
  comparePolicies(parseTrace('0,1'), DEFAULT_SIMULATION_SCALER, undefined, { tailSeconds: 600 });

describe('Function: formatComparison', () => {
  it('prints one row per policy with the figures, lower bounds marked for unprocessed messages', () => {
    // Act
    const lines = formatComparison('one.csv', comparison()).split('\n');

    // Assess
    expect(lines[0]).toBe(
      'one.csv: 1 message over 0.0 min, simulated 10.0 min; 30 s per message, task start-up 60 s; ' +
        'scaler simulated: 10 messages per task, 0-40 tasks',
    );
    expect(lines[1]).toMatch(
      /^policy\s+p50 wait\s+p95 wait\s+max wait\s+task-min\s+actions\s+time to drain\s+unprocessed\s+redone$/,
    );
    expect(lines[3]).toMatch(/^ecs-pilot\s+60 s\s+60 s\s+60 s\s+2\.5\s+2\s+1\.5 min\s+0\s+0$/);
    expect(lines[6]).toMatch(/^target-tracking\s+≥ 601 s\s+≥ 601 s\s+≥ 601 s\s+0\.0\s+0\s+never\s+1\s+0$/);
    expect(lines[9]).toBe("work floor (the messages' own processing time): 0.5 task-min");
    expect(lines.at(-5)).toBe(
      '  ecs-pilot: ceil(backlog/10) every 10 s, in-flight counted; out at once (+ 60 s of arrivals in a surge), in after 60 s low',
    );
  });

  it("prints the cost bound at ecs-pilot's p95 under the work floor when given, and no such line without it", () => {
    const above = formatComparison('one.csv', comparison(), { p95Seconds: 60, taskMinutes: 1.5 }).split('\n');
    const below = formatComparison('one.csv', comparison(), { p95Seconds: 60, taskMinutes: 0.25 });

    expect(above[10]).toBe(
      "cost bound (proven, any policy within the bounds): p95 ≤ 60 s (ecs-pilot's) needs ≥ 1.5 task-min",
    );
    expect(below).toContain(
      'needs ≥ 0.3 task-min (below the work floor: the 5 % of messages that may wait longer are not counted)',
    );
    expect(formatComparison('one.csv', comparison())).not.toContain('cost bound');
  });

  it.each([
    [60, '60 s'],
    [12.25, '12.3 s'],
  ])('prints %d seconds as %s', (value, text) => {
    expect(seconds(value)).toBe(text);
  });

  it('prints where each policy’s task-minutes go: processing (and how much of it was lost), start-ups, launches, idle', () => {
    // Act
    const lines = formatComparison('one.csv', comparison()).split('\n');

    // Assess: ecs-pilot's 2.5 task-minutes are 60 s of start-up, 30 s processing and 60 s idle.
    const header = lines.findIndex((l) => l.startsWith('task-min spent on'));
    expect(lines[header]).toMatch(
      /^task-min spent on\s+processing\s+of it lost\s+start-ups\s+launches\s+idle$/,
    );
    expect(lines[header + 2]).toMatch(/^ecs-pilot\s+0\.5\s+0\.0\s+1\.0\s+1\s+1\.0$/);
    expect(lines[header + 1 + comparison().runs.length + 1]).toBe('');
  });

  it('prints durations in minutes with one decimal', () => {
    expect(minutes(90)).toBe('1.5 min');
  });
});

describe('Function: comparisonJson', () => {
  it('gives scripts the same figures per policy, with the model and scaler', () => {
    const json = comparisonJson('one.csv', comparison());

    expect(json).toMatchObject({
      trace: 'one.csv',
      totalMessages: 1,
      lastArrivalSeconds: 0,
      horizonSeconds: 601,
    });
    expect(json.policies[0]).toEqual({
      policy: 'ecs-pilot',
      description:
        'ceil(backlog/10) every 10 s, in-flight counted; out at once (+ 60 s of arrivals in a surge), in after 60 s low',
      p50WaitSeconds: 60,
      p95WaitSeconds: 60,
      maxWaitSeconds: 60,
      taskMinutes: 2.5,
      scalingActions: 2,
      drainSeconds: 90,
      unprocessed: 0,
      peakTasks: 1,
      redoneMessages: 0,
      redoneTaskMinutes: 0,
      launches: 1,
      startUpTaskMinutes: 1,
      idleTaskMinutes: 1,
    });
    expect(json.workFloorTaskMinutes).toBe(0.5);
    expect(json).not.toHaveProperty('costBoundAtEcsPilotP95');
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });

  it("adds the cost bound at ecs-pilot's p95 as a field of its own, leaving the others as they are", () => {
    const bound = { p95Seconds: 60, taskMinutes: 1.5 };

    const json = comparisonJson('one.csv', comparison(), bound);

    expect(json.costBoundAtEcsPilotP95).toEqual(bound);
    expect({ ...json, costBoundAtEcsPilotP95: undefined }).toEqual({
      ...comparisonJson('one.csv', comparison()),
      costBoundAtEcsPilotP95: undefined,
    });
  });
});

describe('Function: renderChart', () => {
  it('draws a panel with a depth and a task polyline per policy, with escaped titles', () => {
    // Act
    const svg = renderChart('a <b> & "c"', comparison());

    // Assess
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('a &lt;b&gt; &amp; &quot;c&quot;');
    expect(svg.match(/<polyline /g)).toHaveLength(10);
    for (const policy of ['ecs-pilot', 'cdk-default-steps', 'keda-sqs', 'target-tracking', 'clairvoyant']) {
      expect(svg).toContain(`font-weight="bold">${policy}</text>`);
    }
    expect(svg).not.toMatch(/NaN|undefined|Infinity/);
  });

  it.each([
    [1, 0.5],
    [40, 10],
    [7, 2],
    [600, 200],
    [0, 0.5],
  ])('picks a round axis step for a maximum of %d: %d', (max, step) => {
    expect(niceStep(max)).toBe(step);
  });
});
