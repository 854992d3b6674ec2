import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { packageStage, projectRoot, readTemplate, type PackagedTemplate } from '../../../local/package';
import { parseConfig } from '../../../shared/config/load';
import { buildStack } from '../../../shared/deploy/stack';
import { generatedNames } from '../../../shared/deploy/names';

/**
 * The longest stage the demo config (all five automations) allows, packaged by osls: every name in
 * the template, including those serverless makes itself, is within the limit AWS sets on it. One
 * character more is refused before packaging, naming the limit. Limits from each service's quotas
 * (issue 18, finding 4); they are written here again, independently of shared/deploy/names.ts.
 */
const LIMITS: Record<string, { property: string; limit: number }> = {
  'AWS::Lambda::Function': { property: 'FunctionName', limit: 64 },
  'AWS::Logs::LogGroup': { property: 'LogGroupName', limit: 512 },
  'AWS::IAM::Role': { property: 'RoleName', limit: 64 },
  'AWS::IAM::ManagedPolicy': { property: 'ManagedPolicyName', limit: 128 },
  'AWS::SQS::Queue': { property: 'QueueName', limit: 80 },
  'AWS::Events::Rule': { property: 'Name', limit: 64 },
  'AWS::Scheduler::Schedule': { property: 'Name', limit: 64 },
  'AWS::Scheduler::ScheduleGroup': { property: 'Name', limit: 64 },
  'AWS::DynamoDB::Table': { property: 'TableName', limit: 255 },
  'AWS::SNS::Topic': { property: 'TopicName', limit: 256 },
  'AWS::KMS::Alias': { property: 'AliasName', limit: 256 },
  'AWS::CloudWatch::Alarm': { property: 'AlarmName', limit: 255 },
  'AWS::CloudWatch::Dashboard': { property: 'DashboardName', limit: 255 },
};

let config: ReturnType<typeof parseConfig>;
let longest: number;
let template: PackagedTemplate;
const outDir = '.serverless-stage-names';

describe('The longest stage name the demo config allows (sls package)', () => {
  beforeAll(async () => {
    config = parseConfig(parse(await readFile(join(projectRoot, 'config/local.yml'), 'utf8')));
    const probe = buildStack(config, { service: 'ecs-pilot', stage: 'x', configFile: 'x' });
    longest = Math.min(...generatedNames(probe, 'ecs-pilot', 'x').map((n) => n.limit - (n.name.length - 1)));
    const path = await packageStage('s'.repeat(longest), { configFile: 'config/local.yml', outDir });
    template = await readTemplate(path);
  }, 300_000);

  afterAll(async () => {
    await rm(join(projectRoot, outDir), { recursive: true, force: true });
    await rm(join(projectRoot, `.build/config/${'s'.repeat(longest)}.json`), { force: true });
  });

  it('leaves room for a stage of a useful length', () => {
    expect(longest).toBeGreaterThanOrEqual(8);
  });

  it('keeps every generated name in the packaged template within its limit', () => {
    let checked = 0;
    for (const [id, resource] of Object.entries(template.Resources)) {
      const rule = LIMITS[resource.Type];
      const name = rule
        ? (resource.Properties as Record<string, unknown> | undefined)?.[rule.property]
        : undefined;
      if (typeof name !== 'string') continue;
      checked += 1;
      expect(name.length, `${resource.Type} ${id}: ${name}`).toBeLessThanOrEqual(rule!.limit);
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('refuses one character more before packaging, naming the limit and the first name that breaks', async () => {
    const stage = 's'.repeat(longest + 1);

    const failure = packageStage(stage, { configFile: 'config/local.yml', outDir: `${outDir}-over` });

    await expect(failure).rejects.toThrow(
      new RegExp(
        `stage: "${stage}" is ${longest + 1} characters; at most ${longest} fit every generated name`,
      ),
    );
  }, 120_000);
});
