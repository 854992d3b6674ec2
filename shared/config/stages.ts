import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';

/** The folder of the stage configs, relative to the project root (config/<stage>.yml). */
export const CONFIG_DIR = 'config';

/** The stages a folder holds a config for: `config/prod.yml` is stage "prod". Sorted; none if no folder. */
export function stagesIn(dir: string = CONFIG_DIR): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .map((name) => /^([A-Za-z][A-Za-z0-9-]*)\.yml$/.exec(name)?.[1])
    .filter((stage): stage is string => stage !== undefined)
    .sort();
}

/** The one line that says a stage has no config, which stages do, and how to pick one. */
export function missingStageProblem(stage: string, file: string, stages: readonly string[]): string {
  const present = stages.length
    ? `stages with a config: ${stages.join(', ')}; pick one with --stage ${stages[0]}`
    : `there is no config/*.yml yet: copy config/example.yml to ${file} and edit it`;
  return `no config for stage "${stage}": ${file} does not exist (${present})`;
}

/** Where a command reads its config from, and the stage it is for. */
export interface ConfigSource {
  file: string;
  stage: string;
  /** How the file was chosen, for messages: "--config", "ECS_PILOT_CONFIG" or "--stage". */
  chosenBy: '--config' | 'ECS_PILOT_CONFIG' | '--stage';
}

/** The stage a config file is for (config/prod.yml is "prod"), else "dev" as osls defaults. */
export const stageOfFile = (file: string): string => {
  const name = basename(file).replace(/\.ya?ml$/i, '');
  return /^[a-z][a-z0-9-]{0,19}$/.test(name) ? name : 'dev';
};

/**
 * The config a command reads: `--config FILE`, else ECS_PILOT_CONFIG (as packaging), else
 * config/<--stage>.yml, else config/dev.yml (osls's default stage). The stage is --stage when
 * given, else the file's name.
 */
export function configSource(
  options: { config?: string | undefined; stage?: string | undefined },
  env: NodeJS.ProcessEnv = process.env,
): ConfigSource {
  if (options.config)
    return {
      file: options.config,
      stage: options.stage ?? stageOfFile(options.config),
      chosenBy: '--config',
    };
  if (env.ECS_PILOT_CONFIG)
    return {
      file: env.ECS_PILOT_CONFIG,
      stage: options.stage ?? stageOfFile(env.ECS_PILOT_CONFIG),
      chosenBy: 'ECS_PILOT_CONFIG',
    };
  const stage = options.stage ?? 'dev';
  return { file: join(CONFIG_DIR, `${stage}.yml`), stage, chosenBy: '--stage' };
}

/** The missing-stage problem when a stage's own file is absent (not for a file named explicitly). */
export function stageFileProblem(source: ConfigSource): string | undefined {
  if (source.chosenBy !== '--stage' || existsSync(source.file)) return undefined;
  return missingStageProblem(source.stage, source.file, stagesIn(CONFIG_DIR));
}
