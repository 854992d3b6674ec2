// Bridge from serverless.yml to the TypeScript stack builder: `${file(./shared/deploy/serverless-vars.cjs):functions}`.
// The config is judged here exactly as `ecs-pilot validate` and cold start judge it (judgeConfig).
const { mkdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { setTimeout: sleep } = require('node:timers/promises');
const tsx = require('tsx/cjs/api');

// Two `sls package` runs in one checkout at once (a CI matrix over stages) lost a file: one
// output had no cloudformation-template-create-stack.json, and both exited 0 (issue 20). So a run
// holds a lock on the checkout from here (variables resolve before anything is packaged) until
// its process exits, and a second run waits. A lock whose process is gone is taken over.
const LOCK = join(__dirname, '..', '..', '.package.lock');
const WAIT_MS = 15 * 60_000;

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

async function lockCheckout() {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      process.on('exit', () => rmSync(LOCK, { recursive: true, force: true }));
      return;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    let holder = NaN;
    try {
      holder = Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
    } catch {
      // being created or removed right now: look again shortly
    }
    // Held by this process already (osls resolves several variables from this file at once).
    if (holder === process.pid) return;
    if (Number.isInteger(holder) && holder > 0 && !alive(holder)) {
      rmSync(LOCK, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `another packaging run (pid ${holder}) has held ${LOCK} for 15 minutes; remove it if stale`,
      );
    }
    // Asleep on the event loop, not blocking it: Ctrl-C or a SIGTERM still ends a waiting run.
    await sleep(250);
  }
}

/** Builds the stack once per process; later variables of the same run get the same promise. */
async function build({ options }) {
  await lockCheckout();
  // serverless.yml sets `stage: ${opt:stage, 'dev'}`. Asking osls for `sls:stage` here instead
  // waits for provider.region, which is this very file: without --stage, packaging hung for good.
  const stage = options.stage || 'dev';
  const { stackForStage } = tsx.require('./stack.ts', __filename);
  try {
    return stackForStage('ecs-pilot', stage);
  } catch (error) {
    if (!error || error.name !== 'ConfigError') throw error;
    // osls would print the error once per variable that reads this file, each with a stack trace.
    // A config error is the user's to fix: print the same lines as `ecs-pilot validate`, once.
    const { verdictLines } = tsx.require('../config/load.ts', __filename);
    process.stderr.write(`${verdictLines(error).join('\n')}\n`);
    process.exit(1);
  }
}

// osls resolves every `${file(...):x}` of serverless.yml, possibly at once: one build per process.
let stack;
module.exports = (context) => (stack ??= build(context));
