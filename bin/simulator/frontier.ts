import { niceStep } from './chart.js';
import type { CostBoundPoint } from './floors.js';
import type { Comparison } from './simulate.js';

const WIDTH = 640;
const HEIGHT = 420;
const LEFT = 70;
const RIGHT = 170;
const TOP = 40;
const BOTTOM = 50;
const COLORS: Record<string, string> = {
  'ecs-pilot': '#d95f02',
  'cdk-default-steps': '#7570b3',
  'keda-sqs': '#1b9e77',
  'target-tracking': '#e7298a',
  clairvoyant: '#444444',
};

const escape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fixed = (n: number) => (Math.round(n * 10) / 10).toString();

/**
 * An SVG of the cost/wait frontier of one comparison: each policy's (p95 wait, task-minutes) point,
 * the clairvoyant reference's p95 as a vertical line and the work floor as a horizontal one. Lower
 * left is better. A policy that left messages unprocessed is drawn hollow at its lower-bound p95.
 * With `costBound` (floors.ts at several p95 targets), the proven cost bound is drawn as a step
 * line: no policy has a point below it.
 */
export function renderFrontier(
  title: string,
  comparison: Comparison,
  costBound: readonly CostBoundPoint[] = [],
): string {
  const points = comparison.runs.map((run) => ({
    policy: run.policy,
    p95: run.figures.p95WaitSeconds,
    cost: run.figures.taskMinutes,
    partial: run.figures.unprocessed > 0,
  }));
  const floor = comparison.workFloorTaskMinutes;
  const xMax = Math.max(60, ...points.map((p) => p.p95)) * 1.08;
  const yMax = Math.max(floor, ...points.map((p) => p.cost)) * 1.08;
  const xStep = niceStep(xMax, 5);
  const yStep = niceStep(yMax, 5);
  const xTop = Math.ceil(xMax / xStep) * xStep;
  const yTop = Math.ceil(yMax / yStep) * yStep;
  const plotW = WIDTH - LEFT - RIGHT;
  const plotH = HEIGHT - TOP - BOTTOM;
  const x = (v: number) => LEFT + (v / xTop) * plotW;
  const y = (v: number) => TOP + plotH - (v / yTop) * plotH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${LEFT}" y="20" font-size="13" font-weight="bold">${escape(title)}</text>`,
    `<rect x="${LEFT}" y="${TOP}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`,
  ];
  for (let v = 0; v <= xTop; v += xStep) {
    out.push(
      `<line x1="${fixed(x(v))}" x2="${fixed(x(v))}" y1="${TOP}" y2="${TOP + plotH}" stroke="#eee"/>`,
      `<text x="${fixed(x(v))}" y="${TOP + plotH + 16}" text-anchor="middle">${v}</text>`,
    );
  }
  for (let v = 0; v <= yTop; v += yStep) {
    out.push(
      `<line x1="${LEFT}" x2="${LEFT + plotW}" y1="${fixed(y(v))}" y2="${fixed(y(v))}" stroke="#eee"/>`,
      `<text x="${LEFT - 6}" y="${fixed(y(v) + 4)}" text-anchor="end">${v}</text>`,
    );
  }
  out.push(
    `<text x="${LEFT + plotW / 2}" y="${HEIGHT - 12}" text-anchor="middle">p95 wait (s)</text>`,
    `<text x="16" y="${TOP + plotH / 2}" transform="rotate(-90 16 ${TOP + plotH / 2})" text-anchor="middle">task-minutes</text>`,
    `<line x1="${LEFT}" x2="${LEFT + plotW}" y1="${fixed(y(floor))}" y2="${fixed(y(floor))}" stroke="#444" stroke-dasharray="5 4"/>`,
    `<text x="${LEFT + plotW - 4}" y="${fixed(y(floor) - 4)}" text-anchor="end" fill="#444">work floor ${floor.toFixed(0)}</text>`,
  );
  // Any bound at a looser target is also a bound at a tighter one (the fewest task-minutes can only
  // rise as the target tightens): the line keeps, at each target, the highest bound from there on.
  const steps = [...costBound]
    .filter((b) => b.p95Seconds >= 0 && b.p95Seconds <= xTop && Number.isFinite(b.taskMinutes))
    .sort((a, b) => a.p95Seconds - b.p95Seconds);
  for (let i = steps.length - 2; i >= 0; i--) {
    steps[i] = { ...steps[i]!, taskMinutes: Math.max(steps[i]!.taskMinutes, steps[i + 1]!.taskMinutes) };
  }
  if (steps.length > 0) {
    const path = steps.flatMap((b, i) => {
      const right = steps[i + 1]?.p95Seconds ?? xTop;
      const level = fixed(y(Math.min(b.taskMinutes, yTop)));
      return [`${fixed(x(b.p95Seconds))},${level}`, `${fixed(x(right))},${level}`];
    });
    out.push(
      `<polyline points="${path.join(' ')}" fill="none" stroke="#b2182b" stroke-width="1.5"/>`,
      // In the legend, below the policies.
      `<line x1="${WIDTH - RIGHT + 10}" x2="${WIDTH - RIGHT + 22}" y1="${TOP + 8 + points.length * 18}" y2="${TOP + 8 + points.length * 18}" stroke="#b2182b" stroke-width="1.5"/>`,
      `<text x="${WIDTH - RIGHT + 26}" y="${TOP + 12 + points.length * 18}">cost bound (any policy)</text>`,
    );
  }
  const clairvoyant = points.find((p) => p.policy === 'clairvoyant');
  if (clairvoyant) {
    out.push(
      `<line x1="${fixed(x(clairvoyant.p95))}" x2="${fixed(x(clairvoyant.p95))}" y1="${TOP}" y2="${TOP + plotH}" stroke="#444" stroke-dasharray="2 3"/>`,
    );
  }
  points.forEach((p, index) => {
    const color = COLORS[p.policy] ?? '#000';
    out.push(
      `<circle cx="${fixed(x(p.p95))}" cy="${fixed(y(p.cost))}" r="5" fill="${p.partial ? 'white' : color}" stroke="${color}" stroke-width="2"/>`,
      `<circle cx="${WIDTH - RIGHT + 16}" cy="${TOP + 8 + index * 18}" r="5" fill="${p.partial ? 'white' : color}" stroke="${color}" stroke-width="2"/>`,
      `<text x="${WIDTH - RIGHT + 26}" y="${TOP + 12 + index * 18}">${escape(
        `${p.policy}: ${p.partial ? '≥ ' : ''}${Math.round(p.p95)} s, ${p.cost.toFixed(0)}`,
      )}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
