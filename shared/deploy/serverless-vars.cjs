// Bridge from serverless.yml to the TypeScript stack builder: `${file(./shared/deploy/serverless-vars.cjs):functions}`.
// The config is judged here exactly as `ecs-pilot validate` and cold start judge it (judgeConfig).
const tsx = require('tsx/cjs/api');

let stack;
module.exports = async ({ options, resolveVariable }) => {
  if (!stack) {
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
