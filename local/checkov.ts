import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument, isScalar, isSeq } from 'yaml';
import { ensureCheckovVenv, run } from './emulator.js';
import { packageStage, projectRoot, readTemplate, type PackagedTemplate } from './package.js';

/**
 * Checkov, the scanner platform teams run, on a packaged template, judged against .checkov.yaml:
 * every failed check is a failure unless .checkov.yaml skips it, with its reason. Checkov runs every
 * check (its own `skip-check` would drop skipped checks from the counts), so the report shows what
 * a reviewer running Checkov without our config would see, split into failures and justified skips.
 */

/** The project's Checkov config. */
export const CHECKOV_CONFIG = join(projectRoot, '.checkov.yaml');

/** A check .checkov.yaml skips, with the reason written after it. */
export interface Skip {
  id: string;
  /** The comment on its line; empty when there is none. */
  reason: string;
  /** Skipped only for templates without the config's `encryption`; with it, the check must pass. */
  unlessEncrypted: boolean;
}

const CONDITIONAL = /^without encryption:/i;

/** The `skip-check` list of a Checkov config, each id with the comment on its line as its reason. */
export function readSkips(text: string): Skip[] {
  const document = parseDocument(text);
  const list = document.get('skip-check', true);
  if (list === undefined) return [];
  if (!isSeq(list)) throw new Error('.checkov.yaml: skip-check must be a list of check ids');
  return list.items.map((item) => {
    if (!isScalar(item) || typeof item.value !== 'string')
      throw new Error('.checkov.yaml: every skip-check entry must be a check id');
    const reason = (item.comment ?? '').trim();
    return { id: item.value, reason, unlessEncrypted: CONDITIONAL.test(reason) };
  });
}

/** What is wrong with a skip list: ids without a reason, or listed twice. One line each. */
export function skipProblems(skips: readonly Skip[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const skip of skips) {
    if (skip.reason.replace(CONDITIONAL, '').trim() === '')
      problems.push(`${skip.id} is skipped without a reason (write it after "#" on its line)`);
    if (seen.has(skip.id)) problems.push(`${skip.id} is listed twice`);
    seen.add(skip.id);
  }
  return problems;
}

/** One check result on one resource. */
export interface Finding {
  id: string;
  name: string;
  /** `Type.LogicalId`, as Checkov names it. */
  resource: string;
}

export interface CheckovReport {
  version: string;
  resources: number;
  parsingErrors: number;
  passed: Finding[];
  /** Failed checks that .checkov.yaml does not skip for this template. */
  failed: Finding[];
  /** Failed checks that .checkov.yaml skips, with the reason. */
  skipped: (Finding & { reason: string })[];
  /** Whether the template was packaged with `encryption` (its functions' environments use a key). */
  encrypted: boolean;
}

/** Whether a template was packaged with the config's `encryption`: its functions carry a key. */
export const isEncrypted = (template: PackagedTemplate) =>
  Object.values(template.Resources).some(
    (r) => r.Type === 'AWS::Lambda::Function' && r.Properties?.KmsKeyArn !== undefined,
  );

interface CheckovResult {
  check_id: string;
  check_name: string;
  resource: string;
}
interface CheckovOutput {
  summary: {
    passed: number;
    failed: number;
    parsing_errors: number;
    resource_count: number;
    checkov_version: string;
  };
  results: { passed_checks?: CheckovResult[]; failed_checks?: CheckovResult[] };
}

const finding = (r: CheckovResult): Finding => ({ id: r.check_id, name: r.check_name, resource: r.resource });

/** Splits Checkov's JSON output into passes, failures and justified skips. Pure. */
export function judge(output: CheckovOutput, skips: readonly Skip[], encrypted: boolean): CheckovReport {
  const active = new Map(skips.filter((s) => !(encrypted && s.unlessEncrypted)).map((s) => [s.id, s.reason]));
  const failedChecks = output.results.failed_checks ?? [];
  return {
    version: output.summary.checkov_version,
    resources: output.summary.resource_count,
    parsingErrors: output.summary.parsing_errors,
    passed: (output.results.passed_checks ?? []).map(finding),
    failed: failedChecks.filter((r) => !active.has(r.check_id)).map(finding),
    skipped: failedChecks
      .filter((r) => active.has(r.check_id))
      .map((r) => ({ ...finding(r), reason: active.get(r.check_id)! })),
    encrypted,
  };
}

/** Runs Checkov (every CloudFormation check, offline) on a packaged template and judges it against .checkov.yaml. */
export async function runCheckov(templatePath: string): Promise<CheckovReport> {
  const skips = readSkips(await readFile(CHECKOV_CONFIG, 'utf8'));
  const problems = skipProblems(skips);
  if (problems.length > 0) throw new Error(`.checkov.yaml: ${problems.join('; ')}`);
  const { binDir } = await ensureCheckovVenv();
  // From the template's folder, so Checkov does not pick up .checkov.yaml (and its skips) by itself;
  // --skip-download keeps it off the network (it would fetch guidelines from Prisma Cloud).
  const { code, stdout, stderr } = await run(
    join(binDir, 'checkov'),
    [
      '--file',
      templatePath,
      '--framework',
      'cloudformation',
      '--output',
      'json',
      '--soft-fail',
      '--skip-download',
    ],
    dirname(templatePath),
  );
  let output: CheckovOutput;
  try {
    output = JSON.parse(stdout) as CheckovOutput;
  } catch {
    throw new Error(`checkov printed no report (exit ${code}):\n${(stdout + stderr).trim().slice(-2000)}`);
  }
  if (!output.summary) throw new Error(`checkov found nothing to scan in ${templatePath}`);
  return judge(output, skips, isEncrypted(await readTemplate(templatePath)));
}

/** The report as a reviewer reads it: counts, then every failure, then each skipped check with its reason. */
export function reportLines(report: CheckovReport): string[] {
  const lines = [
    `Checkov ${report.version}: ${report.passed.length} passed, ${report.failed.length} failed, ` +
      `${report.skipped.length} skipped over ${report.resources} resources` +
      (report.encrypted ? ' (with encryption)' : ''),
  ];
  if (report.parsingErrors > 0) lines.push(`  ${report.parsingErrors} parsing error(s)`);
  for (const f of report.failed) lines.push(`  FAILED ${f.id} ${f.resource}: ${f.name}`);
  const skippedById = new Map<string, { count: number; reason: string }>();
  for (const s of report.skipped) {
    const entry = skippedById.get(s.id) ?? { count: 0, reason: s.reason };
    entry.count += 1;
    skippedById.set(s.id, entry);
  }
  for (const [id, { count, reason }] of skippedById) lines.push(`  skipped ${id} ×${count}: ${reason}`);
  return lines;
}

// `npm run checkov -- [--config config/example.yml] [--template path]`: package (or take) a
// template, print the report, exit 1 on an unskipped failure.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const option = (name: string) => {
    const index = args.indexOf(name);
    return index === -1 ? undefined : args[index + 1];
  };
  try {
    const given = option('--template');
    const configFile = option('--config') ?? 'config/example.yml';
    const templatePath = given
      ? resolve(given)
      : await packageStage('checkov', { outDir: '.serverless-checkov', configFile });
    if (!given) console.log(`Packaged ${configFile} into ${templatePath}`);
    const report = await runCheckov(templatePath);
    console.log(reportLines(report).join('\n'));
    process.exitCode = report.failed.length > 0 || report.parsingErrors > 0 ? 1 : 0;
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 1;
  }
}
