import type { Comparison } from './simulate.js';

const WIDTH = 960;
const PANEL = 170;
const GAP = 46;
const LEFT = 64;
const RIGHT = 56;
const TOP = 48;
const COLORS = { depth: '#1f77b4', tasks: '#d95f02' };

const escape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fixed = (n: number) => (Math.round(n * 10) / 10).toString();

/** A round step of about max/4 for axis ticks: 1, 2 or 5 times a power of ten. */
export function niceStep(max: number, ticks = 4): number {
  const raw = Math.max(max, 1) / ticks;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
  return step ?? 10 * power;
}

/**
 * An SVG chart of the comparison: one panel per policy with the queue depth (visible messages, left
 * axis) and the task count (right axis) over time. Every panel uses the same axes, so panels compare.
 */
export function renderChart(title: string, comparison: Comparison): string {
  const plotWidth = WIDTH - LEFT - RIGHT;
  const height = TOP + comparison.runs.length * (PANEL + GAP) + 10;
  const minutes = comparison.horizonSeconds / 60;
  const depthMax = Math.max(1, ...comparison.runs.flatMap((r) => r.samples.map((s) => s.visible)));
  const tasksMax = Math.max(1, comparison.scaler.max, ...comparison.runs.map((r) => r.figures.peakTasks));
  const depthStep = niceStep(depthMax);
  const tasksStep = niceStep(tasksMax);
  const depthTop = Math.ceil(depthMax / depthStep) * depthStep;
  const tasksTop = Math.ceil(tasksMax / tasksStep) * tasksStep;
  const timeStep = niceStep(minutes, 8);
  const x = (seconds: number) => LEFT + (seconds / comparison.horizonSeconds) * plotWidth;

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${LEFT}" y="20" font-size="14" font-weight="bold">${escape(title)}</text>`,
    `<text x="${LEFT}" y="36" fill="${COLORS.depth}">— queue depth (visible messages, left axis)</text>`,
    `<text x="${LEFT + 300}" y="36" fill="${COLORS.tasks}">— tasks (right axis)</text>`,
  ];
  comparison.runs.forEach((run, index) => {
    const top = TOP + index * (PANEL + GAP) + 14;
    const bottom = top + PANEL;
    const yDepth = (v: number) => bottom - (v / depthTop) * PANEL;
    const yTasks = (v: number) => bottom - (v / tasksTop) * PANEL;
    const f = run.figures;
    out.push(
      `<g>`,
      `<text x="${LEFT}" y="${top - 4}" font-weight="bold">${escape(run.policy)}</text>`,
      `<text x="${WIDTH - RIGHT}" y="${top - 4}" text-anchor="end">${escape(
        `p95 wait ${Math.round(f.p95WaitSeconds)} s, ${f.taskMinutes.toFixed(0)} task-min, ${f.scalingActions} actions`,
      )}</text>`,
      `<rect x="${LEFT}" y="${top}" width="${plotWidth}" height="${PANEL}" fill="none" stroke="#999"/>`,
    );
    for (let v = 0; v <= depthTop; v += depthStep) {
      out.push(
        `<line x1="${LEFT}" x2="${LEFT + plotWidth}" y1="${fixed(yDepth(v))}" y2="${fixed(yDepth(v))}" stroke="#eee"/>`,
        `<text x="${LEFT - 4}" y="${fixed(yDepth(v) + 4)}" text-anchor="end" fill="${COLORS.depth}">${v}</text>`,
      );
    }
    for (let v = 0; v <= tasksTop; v += tasksStep) {
      out.push(
        `<text x="${LEFT + plotWidth + 4}" y="${fixed(yTasks(v) + 4)}" fill="${COLORS.tasks}">${v}</text>`,
      );
    }
    for (let m = 0; m <= minutes; m += timeStep) {
      out.push(
        `<line x1="${fixed(x(m * 60))}" x2="${fixed(x(m * 60))}" y1="${bottom}" y2="${bottom + 4}" stroke="#999"/>`,
        `<text x="${fixed(x(m * 60))}" y="${bottom + 16}" text-anchor="middle">${m} min</text>`,
      );
    }
    const depth = run.samples.map((s) => `${fixed(x(s.t))},${fixed(yDepth(s.visible))}`).join(' ');
    // Task counts change in steps: draw them as a step line.
    const steps: string[] = [];
    let previous: number | undefined;
    for (const s of run.samples) {
      if (previous !== undefined && previous !== s.tasks)
        steps.push(`${fixed(x(s.t))},${fixed(yTasks(previous))}`);
      steps.push(`${fixed(x(s.t))},${fixed(yTasks(s.tasks))}`);
      previous = s.tasks;
    }
    out.push(
      `<polyline fill="none" stroke="${COLORS.depth}" stroke-width="1.2" points="${depth}"/>`,
      `<polyline fill="none" stroke="${COLORS.tasks}" stroke-width="1.5" points="${steps.join(' ')}"/>`,
      `</g>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
