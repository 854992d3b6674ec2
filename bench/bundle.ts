/**
 * Bundle size and cold import of every packaged function.
 *
 * Packages the `local` stage with osls + serverless-esbuild exactly as a deploy would, then for each
 * function zip: its size, the raw sizes of the bundle and its source map, and the bundle gzipped
 * (zlib level 9). Then extracts the zip and times `await import(bundle)` in fresh Node processes,
 * with and without --enable-source-maps (the deployed NODE_OPTIONS has it).
 *
 *   npx tsx bench/bundle.ts [--parts size,cold] [--runs 15] [--out-dir .serverless-bench]
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { parse as parseYaml } from 'yaml';
import { packageStage, readTemplate } from '../local/package.js';
import {
  commandLine,
  emit,
  info,
  judged,
  KB,
  kb,
  ms,
  offlineHandlerEnv,
  projectRoot,
  say,
  summarize,
  type Row,
  type Summary,
} from './lib.js';
import { listZip, readZipEntry } from './zip.js';

const ZIP_LIMIT = { op: '<=' as const, value: 200 * KB, display: '200 KB' };
const COLD_LIMIT = { op: '<=' as const, value: 60, display: '60 ms' };

const { values } = parseArgs({
  options: {
    parts: { type: 'string', default: 'size,cold' },
    runs: { type: 'string', default: '15' },
    'out-dir': { type: 'string', default: '.serverless-bench' },
  },
});
const parts = new Set(values.parts.split(',').map((p) => p.trim()));
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 10)
  throw new Error(`--runs must be an integer ≥ 10 (got ${values.runs})`);
const outDir = values['out-dir'];
const selfCommand = commandLine('bench/bundle.ts', process.argv.slice(2));

interface FunctionPackage {
  name: string;
  zipPath: string;
  zip: Buffer;
  bundleEntry: string;
}

// --- packaging -------------------------------------------------------------------------------

say(
  `bundle: packaging stage "local" with osls into ${outDir} (sls package --stage local --package ${outDir})…`,
);
const packagedAt = performance.now();
const templatePath = await packageStage('local', { outDir });
const packageMs = performance.now() - packagedAt;
const template = await readTemplate(templatePath);
const packageDir = join(projectRoot, outDir);

const packages: FunctionPackage[] = [];
for (const file of (await readdir(packageDir)).filter((f) => f.endsWith('.zip')).sort()) {
  const zipPath = join(packageDir, file);
  const zip = await readFile(zipPath);
  const bundles = listZip(zip).filter((e) => /^functions\/[^/]+\.(c|m)?js$/.test(e.name));
  if (bundles.length !== 1)
    throw new Error(`${file}: expected one bundle under functions/, found ${bundles.length}`);
  packages.push({ name: file.replace(/\.zip$/, ''), zipPath, zip, bundleEntry: bundles[0]!.name });
}
if (packages.length === 0) throw new Error(`no function zips in ${packageDir}`);

// --- sizes -----------------------------------------------------------------------------------

/** Where the bundle's bytes come from: esbuild's metafile for the same entry and options. */
async function analyse(entry: string): Promise<Record<string, unknown>> {
  const serverless = parseYaml(await readFile(join(projectRoot, 'serverless.yml'), 'utf8')) as {
    custom: { esbuild: Record<string, unknown> };
  };
  const o = serverless.custom.esbuild;
  // The plugin-only options (exclude, packager, outputFileExtension, sourcemap) are not esbuild's.
  const options: BuildOptions = {
    entryPoints: [entry],
    bundle: o.bundle as boolean,
    minify: o.minify as boolean,
    target: o.target as string,
    platform: o.platform as BuildOptions['platform'],
    format: o.format as BuildOptions['format'],
    ...(o.banner ? { banner: o.banner as Record<string, string> } : {}),
    mainFields: o.mainFields as string[],
    absWorkingDir: projectRoot,
    outfile: join(tmpdir(), `ecs-pilot-bench-analysis${String(o.outputFileExtension ?? '.js')}`),
    metafile: true,
    write: false,
    logLevel: 'silent',
  };
  const result = await build(options);
  const metafile = result.metafile as Metafile;
  const [output] = Object.values(metafile.outputs);
  const byPackage = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(output!.inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/.exec(path);
    const name = match ? match[1]! : 'ecs-pilot (own code)';
    byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
  }
  const total = output!.bytes;
  const families: Record<string, (name: string) => boolean> = {
    'AWS SDK v3 (@aws-sdk/*, @smithy/*, @aws-crypto/*)': (n) => /^@(aws-sdk|smithy|aws-crypto)\//.test(n),
    'Powertools (@aws-lambda-powertools/*)': (n) => n.startsWith('@aws-lambda-powertools/'),
    zod: (n) => n === 'zod',
    'ecs-pilot (own code)': (n) => n === 'ecs-pilot (own code)',
  };
  const familyBytes = Object.fromEntries(
    Object.entries(families).map(([family, test]) => [
      family,
      [...byPackage].filter(([n]) => test(n)).reduce((sum, [, b]) => sum + b, 0),
    ]),
  );
  const top = [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 15);
  return { replicatedBundleBytes: total, families: familyBytes, topPackages: Object.fromEntries(top) };
}

const rows: Row[] = [];
const sizeDetails: Record<string, unknown> = { templatePath, packageMs };
if (parts.has('size')) {
  for (const pkg of packages) {
    const entries = listZip(pkg.zip);
    const bundle = entries.find((e) => e.name === pkg.bundleEntry)!;
    const map = entries.find((e) => e.name === `${pkg.bundleEntry}.map`);
    const code = readZipEntry(pkg.zip, bundle);
    const gzipped = gzipSync(code, { level: 9 }).length;
    const source = join(projectRoot, pkg.bundleEntry.replace(/\.(c|m)?js$/, '.ts'));
    const analysis = existsSync(source) ? await analyse(source) : { skipped: `no source ${source}` };
    sizeDetails[pkg.name] = {
      zip: pkg.zip.length,
      entries: entries.map(({ name, size, compressedSize }) => ({ name, size, compressedSize })),
      bundleRaw: bundle.size,
      bundleGzip9: gzipped,
      mapRaw: map?.size ?? null,
      mapDeflatedInZip: map?.compressedSize ?? null,
      analysis,
    };
    const f = (what: string) => `${pkg.name}: ${what}`;
    rows.push(
      judged('bundle', f('bundle gzip -9 (code only)'), gzipped, 'B', kb(gzipped), ZIP_LIMIT),
      judged(
        'bundle',
        f('bundle deflated inside the zip (as shipped)'),
        bundle.compressedSize,
        'B',
        kb(bundle.compressedSize),
        ZIP_LIMIT,
      ),
      judged(
        'bundle',
        f('whole function zip (bundle+map+config)'),
        pkg.zip.length,
        'B',
        kb(pkg.zip.length),
        ZIP_LIMIT,
      ),
      info('bundle', f('bundle raw'), bundle.size, 'B', kb(bundle.size)),
      info('bundle', f('source map raw'), map?.size ?? null, 'B', map ? kb(map.size) : 'absent'),
      info(
        'bundle',
        f('source map deflated inside the zip'),
        map?.compressedSize ?? null,
        'B',
        map
          ? `${kb(map.compressedSize)} (${((100 * map.compressedSize) / pkg.zip.length).toFixed(0)}% of zip)`
          : 'absent',
      ),
    );
    say(`\n${pkg.name}: ${pkg.zipPath.replace(`${projectRoot}/`, '')} = ${pkg.zip.length} B`);
    for (const e of entries) say(`  ${e.name}: ${e.size} B raw, ${e.compressedSize} B in zip`);
    say(`  ${pkg.bundleEntry} gzip -9 (zlib.gzipSync level 9): ${gzipped} B`);
    if ('topPackages' in analysis) {
      say(
        `  esbuild metafile (same options as serverless.yml; its bundle is ${String(analysis.replicatedBundleBytes)} B, ` +
          `bytes in the minified output by origin):`,
      );
      for (const [family, bytes] of Object.entries(analysis.families as Record<string, number>)) {
        say(`    ${family}: ${bytes} B (${((100 * bytes) / bundle.size).toFixed(1)}%)`);
      }
      say('    top packages:');
      for (const [name, bytes] of Object.entries(analysis.topPackages as Record<string, number>)) {
        say(`      ${name}: ${bytes} B`);
      }
    }
  }
  rows.push(
    info('bundle', 'sls package --stage local (wall)', packageMs, 'ms', `${(packageMs / 1000).toFixed(1)} s`),
  );
  emit({ bench: 'bundle', command: selfCommand, rows, details: sizeDetails });
}

// --- cold import -----------------------------------------------------------------------------

/** Runs in a fresh `node` process: times only the dynamic import of the bundle. */
const MEASURE_SCRIPT = `import { pathToFileURL } from 'node:url';
const target = pathToFileURL(process.argv[2]).href;
const before = performance.now();
await import(target);
const after = performance.now();
process.stdout.write(JSON.stringify({ importMs: after - before, sinceProcessStartMs: after }) + '\\n');
process.exit(0);
`;

interface Sample {
  importMs: number;
  sinceProcessStartMs: number;
  wallMs: number;
}

function measureOnce(nodeArgs: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, nodeArgs, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      const wallMs = performance.now() - started;
      const line = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) {
        reject(
          new Error(`cold import failed (exit ${code}): node ${nodeArgs.join(' ')}\n${stderr}${stdout}`),
        );
        return;
      }
      resolve({ ...(JSON.parse(line) as Omit<Sample, 'wallMs'>), wallMs });
    });
  });
}

/** The function's environment from the template, with dummy values where it references resources. */
function coldEnv(functionName: string, configFile: string): NodeJS.ProcessEnv {
  const fn = Object.values(template.Resources).find(
    (r) => r.Type === 'AWS::Lambda::Function' && JSON.stringify(r.Properties ?? {}).includes(functionName),
  );
  const variables = ((fn?.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)
    ?.Variables ?? {}) as Record<string, unknown>;
  const plain = Object.fromEntries(
    Object.entries(variables).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
  delete plain.NODE_OPTIONS; // passed explicitly per run, so both modes are measured
  // Queue URLs, table names and topic ARNs come from the stack (Ref/GetAtt): at import the function
  // only reads them, so any non-empty placeholder lets its cold start complete.
  const resolved = Object.fromEntries(
    Object.entries(variables)
      .filter(([, value]) => typeof value !== 'string')
      .map(([name]) => [name, `offline-placeholder-${name.toLowerCase()}`]),
  );
  return {
    PATH: process.env.PATH,
    ...offlineHandlerEnv(configFile, plain.POWERTOOLS_LOG_LEVEL),
    ...resolved,
    ...plain,
    ECS_PILOT_CONFIG_FILE: configFile,
    AWS_LAMBDA_FUNCTION_NAME: `ecs-pilot-local-${functionName}`,
  };
}

const MODES = [
  { label: 'no source maps', flags: [] as string[] },
  { label: '--enable-source-maps (as deployed)', flags: ['--enable-source-maps'] },
];

if (parts.has('cold')) {
  const coldRows: Row[] = [];
  const coldDetails: Record<string, unknown> = { runs, node: process.version };
  for (const pkg of packages) {
    const dir = await mkdtemp(join(tmpdir(), `ecs-pilot-cold-${pkg.name}-`));
    try {
      for (const entry of listZip(pkg.zip)) {
        if (entry.name.endsWith('/')) continue;
        await mkdir(dirname(join(dir, entry.name)), { recursive: true });
        await writeFile(join(dir, entry.name), readZipEntry(pkg.zip, entry));
      }
      const script = join(dir, 'measure-import.mjs');
      await writeFile(script, MEASURE_SCRIPT);
      const bundlePath = join(dir, pkg.bundleEntry);
      const configFile = join(dir, '.build', 'config', 'local.json');
      if (!(await stat(configFile).catch(() => null)))
        throw new Error(`${pkg.name}: zip has no ${configFile}`);
      const env = coldEnv(pkg.name, configFile);

      say(
        `\n${pkg.name}: cold import of ${pkg.bundleEntry}, ${runs} fresh processes per mode (+1 warm-up each)`,
      );
      say(`  node ${process.version} (the function is packaged for the nodejs22.x runtime)`);
      say(`  command: cd ${dir} && node [--enable-source-maps] measure-import.mjs ${bundlePath}`);
      say(
        `  env: ${Object.entries(env)
          .filter(([k]) => k !== 'PATH')
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}`,
      );
      // One discarded warm-up per mode fills the OS page cache, as a warm Lambda host would have.
      for (const mode of MODES) await measureOnce([...mode.flags, script, bundlePath], env, dir);
      const samples = new Map<string, Sample[]>(MODES.map((m) => [m.label, []]));
      // Interleaved, so drift on the machine hits both modes alike.
      for (let i = 0; i < runs; i++) {
        for (const mode of MODES) {
          samples.get(mode.label)!.push(await measureOnce([...mode.flags, script, bundlePath], env, dir));
        }
      }
      const perMode: Record<string, unknown> = {};
      for (const mode of MODES) {
        const list = samples.get(mode.label)!;
        const imp: Summary = summarize(list.map((s) => s.importMs));
        const start = summarize(list.map((s) => s.sinceProcessStartMs));
        const wall = summarize(list.map((s) => s.wallMs));
        perMode[mode.label] = {
          importMs: imp,
          processStartToImportedMs: start,
          spawnToExitMs: wall,
          samples: list,
        };
        say(
          `  ${mode.label}: import median ${ms(imp.median)}, p90 ${ms(imp.p90)}, min ${ms(imp.min)}, max ${ms(imp.max)}; ` +
            `samples ${list.map((s) => s.importMs.toFixed(1)).join(' ')}`,
        );
        const f = (what: string) => `${pkg.name}: import ${what}, ${mode.label}`;
        coldRows.push(
          judged('cold', f('median'), imp.median, 'ms', ms(imp.median), COLD_LIMIT),
          info(
            'cold',
            f('p90 / min / max'),
            imp.p90,
            'ms',
            `${ms(imp.p90)} / ${ms(imp.min)} / ${ms(imp.max)}`,
          ),
          info('cold', f('process start → imported, median'), start.median, 'ms', ms(start.median)),
        );
      }
      coldDetails[pkg.name] = { bundlePath: pkg.bundleEntry, env, modes: perMode };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  emit({ bench: 'cold', command: selfCommand, rows: coldRows, details: coldDetails });
}
