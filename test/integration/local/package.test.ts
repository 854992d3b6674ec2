import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGED_TEMPLATES, packageStage, projectRoot, readTemplate } from '../../../local/package';

const STAGES = ['concurrenta', 'concurrentb'];
const outDir = (stage: string) => `.serverless-${stage}`;

describe('Function: packageStage (two stages at once)', () => {
  afterAll(() => {
    for (const stage of STAGES) rmSync(join(projectRoot, outDir(stage)), { recursive: true, force: true });
  });

  it('writes every template and function zip for both stages when they package concurrently', async () => {
    // Prepare: a leftover output must not count
    for (const stage of STAGES) rmSync(join(projectRoot, outDir(stage)), { recursive: true, force: true });

    // Act
    const templates = await Promise.all(
      STAGES.map((stage) => packageStage(stage, { outDir: outDir(stage), configFile: 'config/local.yml' })),
    );

    // Assess
    for (const [i, stage] of STAGES.entries()) {
      const files = readdirSync(join(projectRoot, outDir(stage)));
      expect(files).toEqual(
        expect.arrayContaining([...PACKAGED_TEMPLATES, 'uploadToTask.zip', 'stopAlert.zip']),
      );
      const template = await readTemplate(templates[i]!);
      expect(JSON.stringify(template)).toContain(`ecs-pilot-${stage}-uploads`);
    }
    expect(existsSync(join(projectRoot, '.package.lock'))).toBe(false);
  }, 240_000);
});
