import { readFileSync } from 'node:fs';
import { commandArgs } from '../args.js';
import { ALERTS_DEFAULTS } from '../../shared/alerts/config.js';
import { loadConfigFile } from '../../shared/config/yaml.js';
import { ConfigError, EcsPilotError, errorMessage } from '../../shared/kernel/errors.js';
import { decideAlert, type AlertRules } from '../../shared/alerts/decide.js';
import { parseTaskStateChange } from '../../shared/alerts/event.js';
import { renderAlert } from '../../shared/alerts/render.js';
import { essentialContainers, taskDefinitionInfo } from '../../shared/alerts/task-definition.js';

type Out = { log: (line: string) => void; error: (line: string) => void };

export const ALERT_HELP = `Usage: ecs-pilot alert render <event.json> [--config <file>] [--task-definition <file>] [--json]

Prints the email (subject and body) that the "ECS Task State Change" event in <event.json> would
send, or why it would be ignored. Nothing is sent and no AWS call is made.

Options:
  --config <file>           the config whose alerts section decides (default: failures only, every cluster)
  --task-definition <file>  output of \`aws ecs describe-task-definition\`: adds essential flags and log links
  --json                    print {"notify", "reason", "kind", "subject", "body", "attributes"} instead
  -h, --help                show this help

Noise control (grouping repeated failures of a service) is not simulated: each event renders alone.
Exit code 0 when the event was read (alerted or ignored), 1 when a file is invalid, 2 on usage errors.`;

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [
      `cannot read the ${what} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    ]);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(path, [`the ${what} is not JSON (${errorMessage(error)})`]);
  }
}

function rulesFrom(configFile: string | undefined): AlertRules {
  if (!configFile)
    return { notifyOn: [...ALERTS_DEFAULTS.notifyOn], ignore: structuredClone(ALERTS_DEFAULTS.ignore) };
  const config = loadConfigFile(configFile);
  if (!config.alerts)
    throw new ConfigError(configFile, ['alerts: not configured in this file (no alerts section)']);
  return config.alerts;
}

/** `ecs-pilot alert render FILE [--config FILE] [--task-definition FILE] [--json]`. Returns the exit code. */
export async function alert(args: string[], out: Out): Promise<number> {
  const parsed = commandArgs(
    args,
    {
      help: { type: 'boolean', short: 'h' },
      json: { type: 'boolean' },
      config: { type: 'string' },
      'task-definition': { type: 'string' },
    },
    ALERT_HELP,
    out,
  );
  if (typeof parsed === 'number') return parsed;
  const { positionals, values } = parsed;
  const [subcommand, file, ...extra] = positionals;
  if (subcommand !== 'render' || !file || extra.length > 0) {
    out.error(ALERT_HELP);
    return 2;
  }
  try {
    const rules = rulesFrom(values.config);
    const event = parseTaskStateChange(readJson(file, 'event file'));
    const taskDefinitionFile = values['task-definition'];
    const taskDefinition = taskDefinitionFile
      ? taskDefinitionInfo(readJson(taskDefinitionFile, 'task definition file'))
      : undefined;
    if (taskDefinitionFile && !taskDefinition) {
      throw new ConfigError(taskDefinitionFile, ['not a task definition (no containerDefinitions)']);
    }
    const decision = decideAlert(event, rules, { essential: essentialContainers(taskDefinition) });
    const rendered = decision.notify ? renderAlert(event, { decision, taskDefinition }) : undefined;
    if (values.json) {
      out.log(
        JSON.stringify(
          {
            notify: decision.notify,
            reason: decision.reason,
            kind: decision.kind,
            subject: rendered?.subject ?? null,
            body: rendered?.body ?? null,
            attributes: rendered?.attributes ?? {},
          },
          null,
          2,
        ),
      );
      return 0;
    }
    if (!rendered) {
      out.log(`ignored (${decision.kind}): ${decision.reason}`);
      return 0;
    }
    out.log(`Subject: ${rendered.subject}`);
    out.log('');
    out.log(rendered.body);
    out.log('');
    out.log(
      `Message attributes: ${Object.entries(rendered.attributes)
        .map(([name, value]) => `${name}=${value}`)
        .join(' ')}`,
    );
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      out.error(`invalid: ${error.source}`);
      for (const issue of error.issues) out.error(`  - ${issue}`);
      return 1;
    }
    if (error instanceof EcsPilotError) {
      out.error(`invalid: ${file}: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
