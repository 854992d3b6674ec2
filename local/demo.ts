import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { startEmulator, type Emulator } from './emulator.js';
import { setUpLocal } from './harness.js';
import { packageStage, projectRoot } from './package.js';
import { schedulesScene } from './scenes/schedules.js';
import { alertsScene } from './scenes/alerts.js';
import { imagesScene } from './scenes/images.js';
import { uploadsScene } from './scenes/uploads.js';
import { scalingScene } from './scenes/scaling.js';

const HELP = `npm start [-- options]

Runs the ecs-pilot demo against an embedded local AWS (moto on 127.0.0.1, installed into .venv on
first use; needs python3). It packages the "local" stage from config/local.yml with osls, creates
that world in the emulator, uploads a few objects — one with an awkward key — and redelivers one
event, then prints which object started which task. Everything stops when the demo ends.

Options:
  --verbose     also print the handler's structured JSON log lines
  --serve       keep the emulator and the local stack running after the demo, and print the
                commands to invoke a handler with \`sls invoke local\` against it (Ctrl-C stops)
  --config F    config file to demo (default config/local.yml)
  -h, --help    show this help`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      help: { type: 'boolean', short: 'h' },
      verbose: { type: 'boolean' },
      serve: { type: 'boolean' },
      config: { type: 'string', default: 'config/local.yml' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const verbose = Boolean(values.verbose);
  // The SDK warns that Node 20 support ends; it concerns this local process only (Lambda runs Node 22).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const startedAt = Date.now();
  console.log('ecs-pilot demo, on an embedded local AWS\n');

  let emulator: Emulator | undefined;
  try {
    console.log('• starting the local AWS emulator (first run installs it into .venv)…');
    emulator = await startEmulator();
    console.log(`  moto listening on ${emulator.endpoint} (pid ${emulator.pid})`);

    console.log('• packaging the "local" stage with osls (sls package)…');
    const templatePath = await packageStage('local');
    console.log(`  ${templatePath.replace(`${projectRoot}/`, '')}`);

    const account = await setUpLocal({
      endpoint: emulator.endpoint,
      templatePath,
      configPath: join(projectRoot, values.config),
      versionedBuckets: ['media-ingest'],
    });
    const ids = [...account.stack.refs.keys()];
    console.log(
      `• deployed from the template into the emulator (stack ${account.stack.stackName}): ` +
        `${ids.filter((id) => id.startsWith('UploadRule')).length} upload rules, ` +
        `${ids.filter((id) => id.endsWith('Queue')).length} queues, idempotency table`,
    );
    console.log(
      `  world: cluster ${account.world.clusters.join(', ')}; task definitions ${account.world.families.join(', ')};` +
        ` bucket ${account.world.buckets.join(', ')} (versioned, EventBridge notifications on)`,
    );
    const results: Record<string, boolean> = {};
    if (account.config.uploads.length) results.uploads = (await uploadsScene(account, verbose)).ok;
    if (account.config.schedules.length) results.schedules = (await schedulesScene(account, verbose)).ok;
    if (account.config.alerts) results.alerts = (await alertsScene(account, console.log, { verbose })).ok;
    if (account.config.scalers.length) results.scaling = (await scalingScene(account, verbose)).ok;
    if (account.config.images) results.images = (await imagesScene(account, console.log, verbose)).ok;
    const ok = Object.values(results).every(Boolean);
    const failed = Object.entries(results)
      .filter(([, passed]) => !passed)
      .map(([scene]) => scene);
    console.log(
      ok
        ? `\nDemo finished in ${((Date.now() - startedAt) / 1000).toFixed(1)} s.`
        : `\nDemo FAILED in: ${failed.join(', ')} (see above).`,
    );
    process.env.ECS_PILOT_CONFIG_FILE = account.configFile;
    if (values.serve) await serve(emulator.endpoint, process.env.ECS_PILOT_CONFIG_FILE ?? '');
    return ok ? 0 : 1;
  } finally {
    await emulator?.stop();
  }
}

/** Keeps the emulator up for `sls invoke local` until Ctrl-C (the emulator stops with this process). */
async function serve(endpoint: string, configFile: string): Promise<void> {
  const env = [
    `AWS_ENDPOINT_URL=${endpoint}`,
    'AWS_REGION=us-east-1',
    'AWS_ACCESS_KEY_ID=testing',
    'AWS_SECRET_ACCESS_KEY=testing',
    'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true',
    'SLS_TELEMETRY_DISABLED=1',
    'SLS_NOTIFICATIONS_MODE=off',
  ].join(' ');
  console.log(
    `\nThe local AWS keeps running (stack ecs-pilot-local). In another shell, from ${projectRoot}:`,
  );
  console.log(
    `  ${env} npx sls invoke local --stage local -f uploadToTask -p events/upload-sqs-batch.json` +
      ` -e ECS_PILOT_CONFIG_FILE=${configFile}`,
  );
  console.log("(the -e points the handler at the config with the emulator's network ids). The same way:");
  for (const [fn, event] of [
    ['scaleQueues', 'events/scale-queues-scheduled.json'],
    ['enforceImages', 'events/images-scheduled.json'],
  ]) {
    console.log(`  … -f ${fn} -p ${event} -e ECS_PILOT_CONFIG_FILE=${configFile}`);
  }
  console.log('Ctrl-C stops.');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
