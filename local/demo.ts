import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { DescribeTasksCommand, ListTasksCommand, type Task } from '@aws-sdk/client-ecs';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { startEmulator, type Emulator } from './emulator.js';
import { setUpLocalUploads } from './harness.js';
import { packageStage, projectRoot } from './package.js';

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

interface Decision {
  decision: string;
  trigger?: string;
  key?: string;
  taskArn?: string;
  versionId?: string;
}

/** Collects the handler's JSON decision lines from stdout while `fn` runs (and echoes them if verbose). */
async function captureDecisions<T>(verbose: boolean, fn: () => Promise<T>): Promise<[T, Decision[]]> {
  const decisions: Decision[] = [];
  const restore = [process.stdout, process.stderr].map((stream) => {
    const write = stream.write.bind(stream);
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
      for (const line of text.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const entry = JSON.parse(line) as Decision;
          if (entry.decision) decisions.push(entry);
        } catch {
          // not a log line
        }
      }
      return verbose ? write(chunk, ...(rest as [])) : true;
    }) as typeof stream.write;
    return () => (stream.write = write);
  });
  try {
    return [await fn(), decisions];
  } finally {
    restore.forEach((undo) => undo());
  }
}

const short = (arn = '') => arn.split('/').slice(-2).join('/');

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
  console.log('ecs-pilot demo: S3 uploads start Fargate tasks, on an embedded local AWS\n');

  let emulator: Emulator | undefined;
  try {
    console.log('• starting the local AWS emulator (first run installs it into .venv)…');
    emulator = await startEmulator();
    console.log(`  moto listening on ${emulator.endpoint} (pid ${emulator.pid})`);

    console.log('• packaging the "local" stage with osls (sls package)…');
    const templatePath = await packageStage('local');
    console.log(`  ${templatePath.replace(`${projectRoot}/`, '')}`);

    const local = await setUpLocalUploads({
      endpoint: emulator.endpoint,
      templatePath,
      configPath: join(projectRoot, values.config),
      versionedBuckets: ['media-ingest'],
    });
    const rules = [...local.stack.refs.keys()].filter((id) => id.startsWith('UploadRule'));
    console.log(
      `• deployed from the template: ${rules.length} EventBridge rules → SQS buffer (+ dead-letter queue) → uploadToTask`,
    );
    console.log(
      `  world: cluster ${local.world.clusters.join(', ')}; task definitions ${local.world.families.join(', ')};` +
        ` bucket ${local.world.buckets.join(', ')} (versioned, EventBridge notifications on)`,
    );

    const objects = [
      { key: 'incoming/cat.jpg', body: 'a cat' },
      { key: 'incoming/été 2026/a+b%20c:d 😀.jpg', body: 'an awkward key' },
      { key: 'videos/clip.mp4', body: 'a video' },
      { key: 'incoming/notes.txt', body: 'matches no rule' },
    ];
    console.log(`• uploading ${objects.length} objects to s3://media-ingest/…`);
    for (const object of objects) {
      await local.clients.s3.send(
        new PutObjectCommand({ Bucket: 'media-ingest', Key: object.key, Body: object.body }),
      );
    }

    let redelivered = '';
    const [, firstDecisions] = await captureDecisions(verbose, () =>
      local.drain({
        onInvoke: (event) => {
          redelivered ||= event.Records.find((r) => r.body.includes('cat.jpg'))?.body ?? '';
        },
      }),
    );
    console.log('• redelivering the event of incoming/cat.jpg, as at-least-once delivery may…');
    await local.clients.sqs.send(
      new SendMessageCommand({ QueueUrl: local.queueUrl, MessageBody: redelivered }),
    );
    const [, secondDecisions] = await captureDecisions(verbose, () => local.drain());

    // What actually reached ECS, read back from the emulator.
    const arns: string[] = [];
    for (const cluster of local.world.clusters) {
      const { taskArns = [] } = await local.clients.ecs.send(new ListTasksCommand({ cluster }));
      arns.push(...taskArns);
    }
    const tasks: Task[] = [];
    for (const cluster of local.world.clusters) {
      const mine = arns.filter((arn) => arn.includes(`/${cluster}/`));
      if (mine.length === 0) continue;
      const { tasks: described = [] } = await local.clients.ecs.send(
        new DescribeTasksCommand({ cluster, tasks: mine, include: ['TAGS'] }),
      );
      tasks.push(...described);
    }
    const dead = await local.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: local.deadLetterQueueUrl, MaxNumberOfMessages: 10 }),
    );

    console.log('\nObject → task');
    for (const d of firstDecisions) {
      const task = tasks.find((t) => t.taskArn === d.taskArn);
      console.log(`  ${JSON.stringify(d.key)}  [${d.trigger}] ${d.decision} → ${short(d.taskArn)}`);
      const env = task?.overrides?.containerOverrides?.[0]?.environment ?? [];
      console.log(`      environment: ${env.map((e) => `${e.name}=${JSON.stringify(e.value)}`).join(' ')}`);
      const tags = (task?.tags ?? []).filter((t) => t.key?.startsWith('ecs-pilot:'));
      console.log(
        `      startedBy ${task?.startedBy}; tags ${tags.map((t) => `${t.key}=${t.value?.slice(0, 16)}`).join(' ')}`,
      );
    }
    console.log(`  "incoming/notes.txt"  no rule matches: EventBridge never delivered it`);
    console.log('\nRedelivered event');
    for (const d of secondDecisions) {
      console.log(
        `  ${JSON.stringify(d.key)}  [${d.trigger}] ${d.decision} → ${short(d.taskArn)} (no second task)`,
      );
    }

    const startedCount = firstDecisions.filter((d) => d.decision === 'started').length;
    const duplicates = secondDecisions.filter((d) => d.decision === 'duplicate').length;
    const keyIntact = tasks.some((t) =>
      t.overrides?.containerOverrides?.[0]?.environment?.some((e) => e.value === objects[1]!.key),
    );
    console.log(
      `\nSummary: ${objects.length} uploads, ${startedCount} tasks started, ${duplicates} duplicate suppressed, ` +
        `${tasks.length} tasks in ECS, ${dead.Messages?.length ?? 0} dead-lettered; awkward key passed ` +
        `${keyIntact ? 'byte-for-byte' : 'ALTERED'}.`,
    );
    const ok =
      startedCount === 3 && duplicates === 1 && tasks.length === 3 && keyIntact && !dead.Messages?.length;
    console.log(
      ok ? `Demo finished in ${((Date.now() - startedAt) / 1000).toFixed(1)} s.` : 'Demo FAILED: see above.',
    );
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
  console.log("(the -e points the handler at the config with the emulator's network ids). Ctrl-C stops.");
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
