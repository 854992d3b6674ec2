/**
 * Writes the generated arrival traces of bench/traces (diurnal-ramp, heavy-tailed-gaps,
 * spike-after-idle) from fixed seeds, so they can be made again and reviewed. steady, bursty and
 * idle-spikes predate this script and are kept as committed.
 *
 *   npx tsx bench/make-traces.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { random } from '../bin/simulator/measure.js';
import { projectRoot } from './lib.js';

const START = Date.parse('2026-01-05T00:00:00Z');

/** Poisson draw by inversion (small means only). */
function poisson(next: () => number, mean: number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  let p = next();
  while (p > limit) {
    k++;
    p *= next();
  }
  return k;
}

function write(name: string, header: string[], rows: Map<number, number>): void {
  const sorted = [...rows].filter(([, n]) => n > 0).sort(([a], [b]) => a - b);
  const total = sorted.reduce((sum, [, n]) => sum + n, 0);
  const lines = [
    ...header.map((h) => `# ${h}`),
    `# ${total} messages`,
    'timestamp,messages',
    `${new Date(START).toISOString().replace('.000', '')},0`,
    ...sorted.map(([at, n]) => `${new Date(START + at * 1000).toISOString().replace('.000', '')},${n}`),
  ];
  writeFileSync(join(projectRoot, 'bench/traces', `${name}.csv`), `${lines.join('\n')}\n`);
}

// A working day compressed into 12 h: a sine from 0.5 to 20 messages/min, one row per 30 s.
{
  const next = random(404);
  const rows = new Map<number, number>();
  for (let at = 0; at < 12 * 3600; at += 30) {
    const perMinute = 0.5 + 19.5 * (0.5 - 0.5 * Math.cos((2 * Math.PI * at) / (12 * 3600)));
    rows.set(at, poisson(next, perMinute / 2));
  }
  write(
    'diurnal-ramp',
    [
      'diurnal-ramp: 12 h, Poisson arrivals whose rate rises from 0.5 to 20 messages/min and',
      'falls back (a raised cosine), one row per 30 s; seed 404',
    ],
    rows,
  );
}

// Clumps of 1-30 messages separated by Pareto gaps (alpha 1.1, at least 1 min, at most 2 h).
{
  const next = random(505);
  const rows = new Map<number, number>();
  let at = 60;
  while (at < 8 * 3600) {
    const clump = 1 + Math.floor(-Math.log(1 - next()) * 6);
    rows.set(at, (rows.get(at) ?? 0) + Math.min(30, clump));
    const gap = Math.min(7200, 60 / (1 - next()) ** (1 / 1.1));
    at += Math.round(gap);
  }
  write(
    'heavy-tailed-gaps',
    [
      'heavy-tailed-gaps: 8 h, clumps of 1-30 messages (geometric, mean 6) separated by Pareto',
      'gaps (alpha 1.1, 1 min to 2 h); seed 505',
    ],
    rows,
  );
}

// Three idle hours, then 400 messages within one minute.
{
  const rows = new Map<number, number>();
  for (let k = 0; k < 6; k++) rows.set(3 * 3600 + 10 * k, k < 4 ? 67 : 66);
  write(
    'spike-after-idle',
    ['spike-after-idle: 3 h with no message, then 400 messages within 1 min (no randomness)'],
    rows,
  );
}
