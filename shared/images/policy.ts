/**
 * ECR lifecycle policy documents: the schema, ECR's validation rules with clear messages, and parsing.
 *
 * Users write the standard document ECR takes (`aws ecr put-lifecycle-policy`), so ecs-pilot accepts
 * exactly that shape and no dialect of its own. Sources for every rule below:
 *   properties: https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html
 *   evaluation: https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html#lp_evaluation_rules
 *   text size:  https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_PutLifecyclePolicy.html
 *
 * Archive storage (action "transition", storageClass "archive", countType sinceImagePulled and
 * sinceImageTransitioned) is documented by ECR but needs pull and archive times that DescribeImages
 * output does not carry for a preview; such rules are refused by name rather than mis-previewed.
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { errorMessage, PermanentError } from '../kernel/errors.js';
import { formatPath } from '../kernel/issues.js';
import { unsafeKeys } from '../kernel/issues.js';

z.config(en());

/** The policy cannot be used; `issues` lists every problem with its path, like `rules[1].selection.countNumber`. */
export class LifecyclePolicyError extends PermanentError {
  constructor(
    readonly source: string,
    readonly issues: readonly string[],
  ) {
    super(`Invalid lifecycle policy ${source}:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
  }
}

/**
 * PutLifecyclePolicy accepts a policy text of 100 to 30,720 characters. Only the maximum is checked:
 * the shortest valid policy is 138 characters, so the minimum never rejects a valid one.
 */
export const MAX_POLICY_TEXT = 30_720;

/** ECR allows at most four `*` wildcards in one tagPatternList entry. */
export const MAX_PATTERN_WILDCARDS = 4;

const shown = (value: unknown): string => {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
};

/** zod error callback: "required (what)" for a missing field, "expected what, got x" otherwise. */
const expected =
  (what: string) =>
  (issue: { input?: unknown }): string =>
    issue.input === undefined ? `required (${what})` : `expected ${what}, got ${shown(issue.input)}`;

const positiveWhole = (what: string) =>
  z.int({ error: expected(what) }).check(z.gte(1, { error: expected(what) }));

const tagPrefix = z
  .string({ error: expected('a tag prefix (a string)') })
  .check(z.minLength(1, 'a tag prefix cannot be empty'));

const wildcards = (pattern: string): number => pattern.split('*').length - 1;

const tagPattern = z.string({ error: expected('a tag pattern (a string)') }).check(
  z.minLength(1, 'a tag pattern cannot be empty'),
  z.superRefine((pattern: string, ctx) => {
    const count = wildcards(pattern);
    if (count > MAX_PATTERN_WILDCARDS) {
      ctx.addIssue({
        code: 'custom',
        message: `at most ${MAX_PATTERN_WILDCARDS} wildcards (*) per pattern; ${shown(pattern)} has ${count}`,
      });
    }
  }),
);

/** Values ECR documents but that a preview from DescribeImages output cannot evaluate. */
const ARCHIVE_ONLY = new Map(
  Object.entries({
    sinceImagePulled:
      'countType "sinceImagePulled" needs last pull times and works only with action "transition" (archive storage), which ecs-pilot does not preview; use imageCountMoreThan or sinceImagePushed',
    sinceImageTransitioned:
      'countType "sinceImageTransitioned" selects archived images, which ecs-pilot does not preview; use imageCountMoreThan or sinceImagePushed',
    transition:
      'action "transition" (archive storage) is not previewed by ecs-pilot; the supported action type is "expire"',
    archive: 'storageClass "archive" is not previewed by ecs-pilot; omit storageClass or use "standard"',
  }),
);

const unsupportedOr =
  (what: string) =>
  (issue: { input?: unknown }): string =>
    (typeof issue.input === 'string' && ARCHIVE_ONLY.get(issue.input)) || expected(what)(issue);

/** One rule's image selection. Cross-field rules (which fields go together) are in `validateLifecyclePolicy`. */
export const selectionSchema = z.strictObject(
  {
    /** Which images the rule considers: those with at least one tag, those with none, or all. */
    tagStatus: z.enum(['tagged', 'untagged', 'any'], { error: expected('"tagged", "untagged" or "any"') }),
    /** tagged only: every prefix must start at least one of the image's tags. */
    tagPrefixList: z.optional(
      z
        .array(tagPrefix, { error: expected('a list of tag prefixes') })
        .check(z.minLength(1, 'at least one tag prefix')),
    ),
    /** tagged only: every pattern (`*` matches any characters) must match at least one of the image's tags. */
    tagPatternList: z.optional(
      z
        .array(tagPattern, { error: expected('a list of tag patterns') })
        .check(z.minLength(1, 'at least one tag pattern')),
    ),
    /** Only "standard" (ECR's default when omitted) is previewed. */
    storageClass: z.optional(z.literal('standard', { error: unsupportedOr('"standard"') })),
    countType: z.enum(['imageCountMoreThan', 'sinceImagePushed'], {
      error: unsupportedOr('"imageCountMoreThan" or "sinceImagePushed"'),
    }),
    /** Required with sinceImagePushed, refused otherwise; "days" is the only unit. */
    countUnit: z.optional(z.literal('days', { error: expected('"days" (the only unit)') })),
    /** Images kept (imageCountMoreThan) or age in days (sinceImagePushed); a positive whole number. */
    countNumber: positiveWhole('a positive whole number (0 is not allowed)'),
  },
  { error: expected('an object') },
);

export const actionSchema = z.strictObject(
  {
    type: z.literal('expire', { error: unsupportedOr('"expire"') }),
    /** Only meaningful with "transition", which is refused; kept in the shape to explain the refusal. */
    targetStorageClass: z.optional(z.string({ error: expected('a string') })),
  },
  { error: expected('an object') },
);

export const ruleSchema = z.strictObject(
  {
    /** Order of application, lowest first; unique; need not be sequential. */
    rulePriority: positiveWhole('a whole number ≥ 1'),
    /** Optional, free text. */
    description: z.optional(z.string({ error: expected('a string') })),
    selection: selectionSchema,
    action: actionSchema,
  },
  { error: expected('an object') },
);

/** The lifecycle policy document, as given to PutLifecyclePolicy and StartLifecyclePolicyPreview. */
export const lifecyclePolicySchema = z.strictObject(
  {
    rules: z
      .array(ruleSchema, { error: expected('a list of rules') })
      .check(z.minLength(1, 'at least one rule')),
  },
  { error: expected('an object like {"rules": [...]}') },
);

export type LifecyclePolicy = z.infer<typeof lifecyclePolicySchema>;
export type LifecycleRule = LifecyclePolicy['rules'][number];
export type RuleSelection = LifecycleRule['selection'];

const KNOWN_KEYS: Record<'root' | 'rule' | 'selection' | 'action', readonly string[]> = {
  root: Object.keys(lifecyclePolicySchema.def.shape),
  rule: Object.keys(ruleSchema.def.shape),
  selection: Object.keys(selectionSchema.def.shape),
  action: Object.keys(actionSchema.def.shape),
};

function knownKeysAt(path: readonly PropertyKey[]): readonly string[] {
  const last = path[path.length - 1];
  if (path.length === 0) return KNOWN_KEYS.root;
  if (typeof last === 'number') return KNOWN_KEYS.rule;
  return last === 'selection' ? KNOWN_KEYS.selection : last === 'action' ? KNOWN_KEYS.action : [];
}

function formatIssue(issue: z.core.$ZodIssue): string[] {
  const where = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(issue.path);
    return issue.keys.map((key) => {
      const meant = known.find((k) => k.toLowerCase() === key.toLowerCase());
      const hint = meant ? ` (did you mean "${meant}"?)` : `; expected ${known.join(', ')}`;
      return `${formatPath([...issue.path, key])}: unknown key${hint}`;
    });
  }
  return [`${where}: ${issue.message}`];
}

type Raw = Record<string, unknown>;
const isObject = (value: unknown): value is Raw =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isWhole = (value: unknown): value is number => Number.isSafeInteger(value);

/** The documented rules that relate fields of one rule to each other. */
function ruleIssues(rule: Raw, at: string): string[] {
  const issues: string[] = [];
  const selection = rule.selection;
  if (isObject(selection)) {
    const where = `${at}.selection`;
    const { tagStatus, countType } = selection;
    const lists = (['tagPrefixList', 'tagPatternList'] as const).filter(
      (key) => selection[key] !== undefined,
    );
    if (lists.length === 2) {
      issues.push(`${where}: give tagPrefixList or tagPatternList, not both`);
    }
    if (tagStatus === 'tagged' && lists.length === 0) {
      issues.push(
        `${where}: tagStatus "tagged" needs tagPatternList or tagPrefixList (which tags to select)`,
      );
    }
    if (tagStatus === 'untagged' || tagStatus === 'any') {
      for (const key of lists) {
        issues.push(`${where}.${key}: only allowed with tagStatus "tagged" (this rule has "${tagStatus}")`);
      }
    }
    if (countType === 'imageCountMoreThan' && selection.countUnit !== undefined) {
      issues.push(
        `${where}.countUnit: only allowed with countType "sinceImagePushed" (imageCountMoreThan counts images, not days)`,
      );
    }
    if (countType === 'sinceImagePushed' && selection.countUnit === undefined) {
      issues.push(`${where}.countUnit: required ("days") with countType "sinceImagePushed"`);
    }
  }
  const action = rule.action;
  if (isObject(action) && action.type === 'expire' && action.targetStorageClass !== undefined) {
    issues.push(`${at}.action.targetStorageClass: only used with action type "transition"`);
  }
  return issues;
}

/** The documented rules that relate rules to each other. */
function crossRuleIssues(rules: readonly unknown[]): string[] {
  const issues: string[] = [];
  const priorities = new Map<number, number>();
  const filters = new Map<string, number>();
  let untaggedAt: number | undefined;
  let anyAt: number | undefined;
  let highest: { index: number; priority: number } | undefined;

  rules.forEach((rule, index) => {
    if (!isObject(rule)) return;
    const at = `rules[${index}]`;
    const priority = rule.rulePriority;
    if (isWhole(priority)) {
      const first = priorities.get(priority);
      if (first !== undefined) {
        issues.push(
          `${at}.rulePriority: ${priority} is already the priority of rules[${first}]; each rule needs its own rulePriority`,
        );
      } else priorities.set(priority, index);
    }
    const selection = isObject(rule.selection) ? rule.selection : {};
    if (isWhole(priority) && selection.tagStatus !== 'any' && (!highest || priority > highest.priority)) {
      highest = { index, priority };
    }
    if (selection.tagStatus === 'untagged') {
      if (untaggedAt !== undefined) {
        issues.push(
          `${at}.selection.tagStatus: only one rule may select untagged images (rules[${untaggedAt}] already does)`,
        );
      } else untaggedAt = index;
    }
    if (selection.tagStatus === 'any') {
      if (anyAt !== undefined) {
        issues.push(
          `${at}.selection.tagStatus: only one rule may have tagStatus "any" (rules[${anyAt}] already does)`,
        );
      } else anyAt = index;
    }
    for (const key of ['tagPrefixList', 'tagPatternList'] as const) {
      const list = selection[key];
      if (selection.tagStatus !== 'tagged' || !Array.isArray(list) || list.length === 0) continue;
      if (!list.every((entry) => typeof entry === 'string')) continue; // reported by the schema
      const id = `${key}:${[...new Set(list)].sort().join('\u0000')}`;
      const first = filters.get(id);
      if (first !== undefined) {
        issues.push(
          `${at}.selection.${key}: the same tags as rules[${first}]; the rules must have a unique set of tag filters`,
        );
      } else filters.set(id, index);
    }
  });

  // An "any" rule must be evaluated last: it needs a higher rulePriority than every other rule.
  if (anyAt !== undefined && highest) {
    const anyRule = rules[anyAt] as Raw;
    const priority = anyRule.rulePriority;
    if (isWhole(priority) && highest.priority > priority) {
      issues.push(
        `rules[${anyAt}].rulePriority: the tagStatus "any" rule must have the highest rulePriority (it is evaluated last), but ${priority} is below rules[${highest.index}]'s ${highest.priority}`,
      );
    }
  }
  return issues;
}

const ruleIndex = (issue: string): number => {
  const match = /^rules\[(\d+)\]/.exec(issue);
  return match ? Number(match[1]) : -1;
};

/**
 * Every problem with a lifecycle policy document, each with its path (`rules[1].selection.countNumber`),
 * grouped by rule; empty when ECR would accept the policy and ecs-pilot can preview it.
 */
export function validateLifecyclePolicy(doc: unknown): string[] {
  const unsafe = unsafeKeys(doc);
  const result = lifecyclePolicySchema.safeParse(doc);
  // A strict object also reports an unsafe key as unknown; keep only the more specific message.
  const flagged = unsafe.map((issue) => issue.slice(0, issue.indexOf(': ') + 2));
  const structural = (result.error?.issues.flatMap(formatIssue) ?? []).filter(
    (issue) => !flagged.some((prefix) => issue.startsWith(prefix)),
  );
  const rules = isObject(doc) && Array.isArray(doc.rules) ? doc.rules : [];
  const semantic = [
    ...rules.flatMap((rule, index) => (isObject(rule) ? ruleIssues(rule, `rules[${index}]`) : [])),
    ...crossRuleIssues(rules),
  ];
  // Stable sort: root problems first, then rule by rule in document order.
  return [...unsafe, ...structural, ...semantic]
    .map((issue, order) => ({ issue, order, rule: ruleIndex(issue) }))
    .sort((a, b) => a.rule - b.rule || a.order - b.order)
    .map(({ issue }) => issue);
}

/**
 * Parses a lifecycle policy given as JSON text (as passed to `aws ecr put-lifecycle-policy`) or as an
 * already-parsed object. Throws LifecyclePolicyError listing every problem.
 */
export function parseLifecyclePolicy(input: unknown, source = 'policy'): LifecyclePolicy {
  let doc = input;
  if (typeof input === 'string') {
    if (input.length > MAX_POLICY_TEXT) {
      throw new LifecyclePolicyError(source, [
        `(root): the policy text has ${input.length} characters; ECR accepts at most ${MAX_POLICY_TEXT}`,
      ]);
    }
    try {
      doc = JSON.parse(input);
    } catch (error) {
      throw new LifecyclePolicyError(source, [`(root): not valid JSON (${errorMessage(error)})`]);
    }
  }
  const issues = validateLifecyclePolicy(doc);
  if (issues.length > 0) throw new LifecyclePolicyError(source, issues);
  return lifecyclePolicySchema.parse(doc);
}
