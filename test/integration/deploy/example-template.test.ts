import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCfnLint } from '../../../local/emulator';
import { packageStage, projectRoot, readTemplate, type PackagedTemplate } from '../../../local/package';
import { FUNCTIONS, type Config } from '../../../shared/config/schema';
import { loadConfigFile } from '../../../shared/config/yaml';
import { props, resourcesOfType } from '../../helpers/template';

/**
 * config/example.yml is what a new user copies to config/prod.yml: it must package as it is, as the
 * README's "Deploying to your account" says (`sls package --stage prod`), with every automation it
 * shows. Expectations are read from the example and the template, not from shared/deploy.
 */
const STAGE = 'prod';
const CONFIG_FILE = 'config/example.yml';
const OUT_DIR = '.serverless-example-test';

let template: PackagedTemplate;
let templatePath: string;
let config: Config;

describe('Packaged template from config/example.yml (sls package --stage prod)', () => {
  beforeAll(async () => {
    config = loadConfigFile(join(projectRoot, CONFIG_FILE));
    templatePath = await packageStage(STAGE, { configFile: CONFIG_FILE, outDir: OUT_DIR });
    template = await readTemplate(templatePath);
  }, 600_000);

  afterAll(async () => {
    await Promise.all([
      rm(join(projectRoot, OUT_DIR), { recursive: true, force: true }),
      rm(join(projectRoot, `.build/config/${STAGE}.json`), { force: true }),
    ]);
  });

  it('deploys one function for every automation the example configures, in its region', async () => {
    // Act
    const names = resourcesOfType(template, 'AWS::Lambda::Function').map(
      ([, r]) => props<{ FunctionName: string }>(r).FunctionName,
    );
    const state = JSON.parse(await readFile(join(projectRoot, OUT_DIR, 'serverless-state.json'), 'utf8')) as {
      service: { provider: { region: string; stackTags?: Record<string, string> } };
    };
    // Assess
    const configured = Object.entries(FUNCTIONS).filter(([, section]) => {
      const value = config[section];
      return Array.isArray(value) ? value.length > 0 : value !== undefined;
    });
    expect(configured.map(([name]) => name).sort()).toEqual(Object.keys(FUNCTIONS).sort());
    for (const [name] of configured)
      expect(
        names.filter((n) => n.endsWith(`-${name}`)),
        name,
      ).toHaveLength(1);
    expect(state.service.provider.region).toBe(config.region);
    expect(state.service.provider.stackTags).toEqual(config.tags);
  });

  it("keeps the functions' logs for the example's logRetentionDays", () => {
    // Act
    const groups = resourcesOfType(template, 'AWS::Logs::LogGroup');
    // Assess
    expect(groups.length).toBeGreaterThan(0);
    for (const [, group] of groups) {
      expect(props<{ RetentionInDays: number }>(group).RetentionInDays).toBe(config.logRetentionDays);
    }
  });

  it('passes cfn-lint', async () => {
    // Act
    const { ok, output } = await runCfnLint(templatePath);
    // Assess
    expect(ok, `cfn-lint ${templatePath}:\n${output}`).toBe(true);
  });
});
