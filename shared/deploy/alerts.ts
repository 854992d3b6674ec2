import type { Config } from '../config/schema.js';
import type { AutomationStack } from './cfn.js';

/** Resources of the stop-alerts automation (none until it is configured). */
export function alertsStack(config: Config, _names: { prefix: string; configFile: string }): AutomationStack {
  void config;
  return { functions: {}, resources: {} };
}
