/**
 * Lifecycle rule engine throughput: plans a synthetic repository of 100,000 images under a policy of
 * 10 rules (tag prefixes, wildcard patterns, counts, ages, untagged and "any"), in this process.
 * The judged figure is the slowest planning run, the first (cold, unoptimised code) included: a CLI
 * preview plans once, cold.
 * Also shown: the whole offline preview of the same images from file text (JSON parse, validation,
 * planning, GetLifecyclePolicyPreview output).
 *
 * Also judged: API calls per repository through the ECR adapter (bench/lifecycle-api.ts).
 *
 *   npx tsx bench/lifecycle.ts [--images 100000] [--runs 10] [--api-images 2500] [--api-deletions 250]
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { previewLifecycle, previewResponse } from '../shared/images/engine.js';
import { parseImagesFile, type LifecycleImage } from '../shared/images/images.js';
import { parseLifecyclePolicy } from '../shared/images/policy.js';
import { commandLine, emit, info, judged, ms, say, summarize, type Row } from './lib.js';
import { measureApiCalls } from './lifecycle-api.js';
import { measureRunCalls } from './lifecycle-run.js';
import { measureLambdaScan } from './lifecycle-sources.js';

const LIMIT = { op: '<=' as const, value: 500, display: '500 ms' };

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '10' },
    'api-images': { type: 'string', default: '2500' },
    'api-deletions': { type: 'string', default: '250' },
  },
});
const imageCount = Number(values.images);
const runs = Number(values.runs);
if (!Number.isInteger(imageCount) || imageCount < 1 || !Number.isInteger(runs) || runs < 1) {
  console.error('--images and --runs take whole numbers ≥ 1');
  process.exit(2);
}

const policy = parseLifecyclePolicy(
  {
    rules: [
      rule(1, {
        tagStatus: 'tagged',
        tagPrefixList: ['prod'],
        countType: 'imageCountMoreThan',
        countNumber: 500,
      }),
      rule(2, {
        tagStatus: 'tagged',
        tagPatternList: ['release-*-rc*'],
        countType: 'sinceImagePushed',
        countUnit: 'days',
        countNumber: 30,
      }),
      rule(3, {
        tagStatus: 'tagged',
        tagPatternList: ['v*.*.*'],
        countType: 'imageCountMoreThan',
        countNumber: 200,
      }),
      rule(4, {
        tagStatus: 'tagged',
        tagPrefixList: ['staging', 'git-'],
        countType: 'imageCountMoreThan',
        countNumber: 20,
      }),
      rule(5, {
        tagStatus: 'tagged',
        tagPatternList: ['*-hotfix-*'],
        countType: 'sinceImagePushed',
        countUnit: 'days',
        countNumber: 14,
      }),
      rule(6, {
        tagStatus: 'tagged',
        tagPatternList: ['feature-*'],
        countType: 'sinceImagePushed',
        countUnit: 'days',
        countNumber: 7,
      }),
      rule(7, {
        tagStatus: 'tagged',
        tagPatternList: ['pr-*', '*-preview'],
        countType: 'imageCountMoreThan',
        countNumber: 10,
      }),
      rule(8, {
        tagStatus: 'tagged',
        tagPrefixList: ['nightly'],
        countType: 'sinceImagePushed',
        countUnit: 'days',
        countNumber: 3,
      }),
      rule(9, { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 }),
      rule(10, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 20000 }),
    ],
  },
  'bench policy',
);

function rule(rulePriority: number, selection: Record<string, unknown>) {
  return { rulePriority, selection, action: { type: 'expire' } };
}

/** Deterministic pseudo-random numbers (mulberry32), so every run plans the same repository. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const now = new Date('2026-03-28T12:00:00Z');
const next = random(42);
const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
const hex = (length: number) => Array.from({ length }, () => Math.floor(next() * 16).toString(16)).join('');
const TAGGERS: ReadonlyArray<(n: number) => string> = [
  (n) => `prod-${n}`,
  (n) => `release-${n % 40}.${n % 7}-rc${n % 5}`,
  (n) => `v${n % 9}.${n % 31}.${n}`,
  (n) => `staging-${n}`,
  () => `git-${hex(7)}`,
  (n) => `api-hotfix-${n}`,
  (n) => `feature-${pick(['login', 'search', 'billing', 'export'])}-${n}`,
  (n) => `pr-${n}`,
  (n) => `build-${n}-preview`,
  (n) => `nightly-${n}`,
  () => 'latest',
];

// A third of the images untagged, the rest with 1-3 tags; pushed over the last two years, listed in no
// particular order (as DescribeImages lists them). Planned as the CLI plans them: parsed from the JSON.
const text = JSON.stringify({
  imageDetails: Array.from({ length: imageCount }, (_, n) => {
    const tagCount = next() < 0.33 ? 0 : 1 + Math.floor(next() * 3);
    return {
      registryId: '123456789012',
      repositoryName: 'bench/app',
      imageDigest: `sha256:${hex(64)}`,
      ...(tagCount > 0 ? { imageTags: Array.from({ length: tagCount }, () => pick(TAGGERS)(n)) } : {}),
      imageSizeInBytes: 52_000_000,
      imagePushedAt: (now.getTime() - Math.floor(next() * 730 * 86_400_000)) / 1000,
    };
  }),
});
const images: LifecycleImage[] = parseImagesFile(text, 'bench');

const times: number[] = [];
let expiring = 0;
for (let run = 0; run < runs; run++) {
  const started = performance.now();
  const plan = previewLifecycle(policy, images, now);
  times.push(performance.now() - started);
  expiring = plan.results.filter((r) => r.expire).length;
}
const first = times[0]!;
const stats = summarize(times);

// The whole offline preview from the file's text, as `ecs-pilot lifecycle preview --json` does it.
const endToEndStarted = performance.now();
const preview = previewResponse(previewLifecycle(policy, parseImagesFile(text, 'bench'), now));
JSON.stringify(preview);
const endToEnd = performance.now() - endToEndStarted;

const label = `${imageCount.toLocaleString('en-US')} images × ${policy.rules.length} rules`;
const load = loadavg().map((l) => l.toFixed(2));
say(`lifecycle: ${label}, ${runs} planning runs; ${expiring} images expire`);
say(`  machine: ${cpus().length} CPUs, load average ${load.join(' ')} (1, 5, 15 min)`);
say(`  planning: first ${ms(first)}, median ${ms(stats.median)}, slowest ${ms(stats.max)}`);
say(
  `  parse ${(text.length / 1e6).toFixed(1)} MB of DescribeImages JSON + plan + preview output: ${ms(endToEnd)}`,
);

const api = await measureApiCalls(Number(values['api-images']), Number(values['api-deletions']));
say(
  `  API calls: ${api.details.describeCalls} DescribeImages for ${api.details.apiImages} images, ${api.details.deleteCalls} BatchDeleteImage for ${api.details.apiDeletions} deletions`,
);

// A whole run (ECR and ECS, every request): plain images, then OCI images of which 250 are signatures.
const apiImages = Number(values['api-images']);
const apiDeletions = Number(values['api-deletions']);
const run = await measureRunCalls({ images: apiImages, deletions: apiDeletions, signed: 0 });
const signedRun = await measureRunCalls({ images: apiImages, deletions: apiDeletions, signed: 250 });
// With the other scans: one Lambda image function, rule, Scheduler schedule and scan file each, and the own scan written.
const sourcesRun = await measureRunCalls({
  images: apiImages,
  deletions: apiDeletions,
  signed: 0,
  sources: true,
});
say(
  `  requests per run: ${run.total} (${run.calls.ListClusters ?? 0} ListClusters); with 250 signatures: ${signedRun.total} (${signedRun.calls.BatchGetImage ?? 0} BatchGetImage); with the other scans: ${sourcesRun.total}`,
);
// The benchmark registry's account has no Lambda function (one ListFunctions page); a busier one, for scale.
const lambdaScans = [
  await measureLambdaScan({ functions: 0, imageFunctions: 0, versions: 0, keepVersions: 3 }),
  await measureLambdaScan({ functions: 120, imageFunctions: 20, versions: 60, keepVersions: 3 }),
];
for (const scan of lambdaScans)
  say(
    `  Lambda scan: ${scan.details.lambdaCalls} calls for ${scan.details.lambdaFunctions} functions (${scan.details.lambdaImageFunctions} image)`,
  );

const rows: Row[] = [
  judged('lifecycle', `plan ${label}, slowest of ${runs} runs`, stats.max, 'ms', ms(stats.max), LIMIT),
  info('lifecycle', `plan ${label}, first (cold) run`, first, 'ms', ms(first)),
  info('lifecycle', `plan ${label}, median`, stats.median, 'ms', ms(stats.median)),
  info('lifecycle', `parse JSON + plan + preview output, ${label}`, endToEnd, 'ms', ms(endToEnd)),
  ...api.rows,
  info('lifecycle', `requests per run, ${apiImages} images`, run.total, 'calls', String(run.total)),
  info(
    'lifecycle',
    `requests per run, ${apiImages} OCI images with 250 signatures`,
    signedRun.total,
    'calls',
    String(signedRun.total),
  ),
  info(
    'lifecycle',
    `requests per run, ${apiImages} images, with the Lambda, rule, Scheduler and scan-file scans`,
    sourcesRun.total,
    'calls',
    String(sourcesRun.total),
  ),
  ...lambdaScans.flatMap((scan) => scan.rows),
];
emit({
  bench: 'lifecycle',
  command: commandLine('bench/lifecycle.ts', process.argv.slice(2)),
  rows,
  details: {
    images: imageCount,
    rules: policy.rules.length,
    runs,
    expiring,
    planMs: stats,
    firstRunMs: first,
    endToEndMs: endToEnd,
    ...api.details,
    runCalls: run.calls,
    signedRunCalls: signedRun.calls,
    imagesJsonBytes: text.length,
    cpus: cpus().length,
    loadAverage: loadavg(),
  },
});
