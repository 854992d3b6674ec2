import { ConfigError } from './errors.js';

/** Reads a required environment variable or fails the cold start naming it. */
export function requiredEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (!value) throw new ConfigError('environment', [`${name}: required`]);
  return value;
}
