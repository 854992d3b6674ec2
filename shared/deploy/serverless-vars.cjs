// Bridge from serverless.yml to the TypeScript stack builder: `${file(./shared/deploy/serverless-vars.cjs):functions}`.
// The config is judged here exactly as `ecs-pilot validate` and cold start judge it (judgeConfig).
const { mkdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
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

function lockCheckout() {
  const deadline = Date.now() + WAIT_MS;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
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
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && !alive(holder)) {
      rmSync(LOCK, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `another packaging run (pid ${holder}) has held ${LOCK} for 15 minutes; remove it if stale`,
      );
    }
    Atomics.wait(sleeper, 0, 0, 250);
  }
}

let stack;
module.exports = async ({ options, resolveVariable }) => {
  if (!stack) {
    lockCheckout();
    const stage = options.stage || (await resolveVariable('sls:stage'));
    const { stackForStage } = tsx.require('./stack.ts', __filename);
    try {
      stack = stackForStage('ecs-pilot', stage);
    } catch (error) {
      if (!error || error.name !== 'ConfigError') throw error;
      // osls would print the error once per variable that reads this file, each with a stack trace.
      // A config error is the user's to fix: print the same lines as `ecs-pilot validate`, once.
      const { verdictLines } = tsx.require('../config/load.ts', __filename);
      process.stderr.write(`${verdictLines(error).join('\n')}\n`);
      process.exit(1);
    }
  }
  return stack;
};
