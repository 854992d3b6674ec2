import { describe, expect, it } from 'vitest';
import { generatedNames } from '../../../../shared/deploy/names';
import { buildStack, stackForStage } from '../../../../shared/deploy/stack';
import { loadConfigFile } from '../../../../shared/config/yaml';

const env = { ECS_PILOT_CONFIG: 'config/local.yml' };

describe('Stage names (issue 18, finding 4)', () => {
  it('refuses a 41-character stage before packaging, naming the limit and the first resource that breaks', () => {
    const stage = 'a'.repeat(41);

    expect(() => stackForStage('ecs-pilot', stage, env)).toThrow(
      /stage: "a{41}" is 41 characters; at most \d+ fit every generated name \(the .* would be \d+ characters, over its limit of 64\)/,
    );
  });

  it('refuses a stage with characters a name cannot hold', () => {
    expect(() => stackForStage('ecs-pilot', 'prod_1', env)).toThrow(
      'stage: only letters, digits and hyphens fit every generated name',
    );
  });

  it('keeps every generated name within its limit for the longest stage it allows', () => {
    const config = loadConfigFile('config/local.yml');
    const probe = buildStack(config, { service: 'ecs-pilot', stage: 'x', configFile: 'c.json' });
    const longest = Math.min(
      ...generatedNames(probe, 'ecs-pilot', 'x').map((n) => n.limit - (n.name.length - 1)),
    );
    const stage = 'a'.repeat(longest);
    const stack = buildStack(config, { service: 'ecs-pilot', stage, configFile: 'c.json' });

    const names = generatedNames(stack, 'ecs-pilot', stage);
    expect(names.filter((n) => n.name.length > n.limit)).toEqual([]);
    expect(names.some((n) => n.name.length === n.limit)).toBe(true);
    expect(() => stackForStage('ecs-pilot', `${stage}a`, env)).toThrow(`at most ${longest} fit`);
  });
});
