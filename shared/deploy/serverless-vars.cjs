// Bridge from serverless.yml to the TypeScript stack builder: `${file(./shared/deploy/serverless-vars.cjs):functions}`.
// The config is validated here, so a bad config fails `sls package` naming every broken field.
const tsx = require('tsx/cjs/api');

let stack;
module.exports = async ({ options, resolveVariable }) => {
  if (!stack) {
    const stage = options.stage || (await resolveVariable('sls:stage'));
    const { stackForStage } = tsx.require('./stack.ts', __filename);
    stack = stackForStage('ecs-pilot', stage);
  }
  return stack;
};
