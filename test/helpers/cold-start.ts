import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, vi } from 'vitest';

export interface ColdStarts<M> {
  /**
   * Imports the handler module the way Lambda cold-starts it: environment and config file first,
   * module state (clients, config, caches) fresh. `overrides` set variables, or unset them when undefined.
   */
  coldStart(overrides?: Record<string, string | undefined>): Promise<M>;
  /** Writes `config` to `name` in this file's temporary folder; returns the path, for ECS_PILOT_CONFIG_FILE. */
  writeConfig(name: string, config: unknown): string;
}

/**
 * Cold starts of one handler for a test file: registers the hooks that write `config` to a temporary
 * `config.json` before the tests and, after them, remove the folder and restore the environment.
 */
export function coldStarts<M>(options: {
  config: unknown;
  env: Record<string, string>;
  load: () => Promise<M>;
}): ColdStarts<M> {
  let dir = '';
  const writeConfig = (name: string, config: unknown) => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(config));
    return file;
  };
  let configFile = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ecs-pilot-handler-'));
    configFile = writeConfig('config.json', options.config);
  });
  afterAll(() => {
    vi.unstubAllEnvs();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    async coldStart(overrides = {}) {
      vi.resetModules();
      for (const [name, value] of Object.entries({
        ECS_PILOT_CONFIG_FILE: configFile,
        ...options.env,
        ...overrides,
      })) {
        vi.stubEnv(name, value);
      }
      return options.load();
    },
    writeConfig,
  };
}
