import type { PackagedTemplate } from '../../local/package.js';

/** One resource of a packaged template. */
export type TemplateResource = PackagedTemplate['Resources'][string];

/** An IAM policy statement with Action/Resource (and their Not- forms) always as arrays. */
export interface IamStatement {
  /** Logical id of the resource the statement comes from. */
  source: string;
  Sid?: string;
  Effect: string;
  Action: string[];
  NotAction: string[];
  Resource: unknown[];
  NotResource: unknown[];
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** Pseudo parameters to resolve `Fn::Sub` with, as they would be at deploy time. */
export interface Pseudo {
  Partition: string;
  Region: string;
  AccountId: string;
}

export const toArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** The Properties of a resource, typed by the caller (the template is JSON, shapes are known per Type). */
export const props = <T>(resource: TemplateResource | undefined): T => (resource?.Properties ?? {}) as T;

/** [logicalId, resource] pairs of one CloudFormation type. */
export function resourcesOfType(template: PackagedTemplate, type: string): [string, TemplateResource][] {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}

/** The logical id a `{ "Fn::GetAtt": [id, attribute] }` points at, else undefined. */
export function getAttTarget(value: unknown, attribute = 'Arn'): string | undefined {
  const getAtt = (value as { 'Fn::GetAtt'?: unknown } | null)?.['Fn::GetAtt'];
  if (Array.isArray(getAtt) && getAtt[1] === attribute) return getAtt[0] as string;
  if (typeof getAtt === 'string' && getAtt.endsWith(`.${attribute}`)) return getAtt.split('.')[0];
  return undefined;
}

/** The logical id a `{ "Ref": id }` points at, else undefined. */
export const refTarget = (value: unknown): string | undefined => {
  const ref = (value as { Ref?: unknown } | null)?.Ref;
  return typeof ref === 'string' ? ref : undefined;
};

/** Statements of a policy document, normalised; `source` names the resource holding it. */
export function normaliseStatements(document: unknown, source: string): IamStatement[] {
  const statements = toArray((document as { Statement?: unknown } | undefined)?.Statement) as Record<
    string,
    unknown
  >[];
  return statements.map((s) => ({
    source,
    ...(s.Sid !== undefined ? { Sid: s.Sid as string } : {}),
    Effect: s.Effect as string,
    Action: toArray(s.Action as string | string[] | undefined),
    NotAction: toArray(s.NotAction as string | string[] | undefined),
    Resource: toArray(s.Resource),
    NotResource: toArray(s.NotResource),
    ...(s.Principal !== undefined ? { Principal: s.Principal } : {}),
    ...(s.Condition !== undefined ? { Condition: s.Condition as IamStatement['Condition'] } : {}),
  }));
}

/**
 * Every statement each IAM role grants, keyed by the role's logical id: its inline `Policies` plus
 * AWS::IAM::Policy / AWS::IAM::ManagedPolicy resources attached to it with `Roles: [{ Ref }]`.
 * (Managed policy ARNs are not expanded: check `ManagedPolicyArns` separately.)
 */
export function roleStatements(template: PackagedTemplate): Map<string, IamStatement[]> {
  const byRole = new Map<string, IamStatement[]>();
  for (const [id, role] of resourcesOfType(template, 'AWS::IAM::Role')) {
    const { Policies, ManagedPolicyArns } = props<{
      Policies?: { PolicyDocument: unknown }[];
      ManagedPolicyArns?: unknown[];
    }>(role);
    const statements = toArray(Policies).flatMap((p) => normaliseStatements(p.PolicyDocument, id));
    // Managed policies of this stack the role references (`Ref` to an AWS::IAM::ManagedPolicy).
    for (const ref of toArray(ManagedPolicyArns)) {
      const policyId = refTarget(ref);
      const policy = policyId ? template.Resources[policyId] : undefined;
      if (policy?.Type === 'AWS::IAM::ManagedPolicy')
        statements.push(
          ...normaliseStatements(props<{ PolicyDocument: unknown }>(policy).PolicyDocument, policyId!),
        );
    }
    byRole.set(id, statements);
  }
  for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
    for (const [id, policy] of resourcesOfType(template, type)) {
      const { PolicyDocument, Roles } = props<{ PolicyDocument: unknown; Roles?: unknown[] }>(policy);
      for (const role of toArray(Roles)) {
        const roleId = refTarget(role);
        if (roleId) byRole.get(roleId)?.push(...normaliseStatements(PolicyDocument, id));
      }
    }
  }
  return byRole;
}

/** Statements of every policy document in the template: identity policies and resource policies. */
export function allPolicyStatements(template: PackagedTemplate): IamStatement[] {
  const statements = [...roleStatements(template).values()].flat();
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type === 'AWS::IAM::Role') continue;
    // A policy attached to a role of this stack is in roleStatements already; one attached to a
    // role the stack does not own (by name, such as a task execution role) is not.
    if (['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy'].includes(resource.Type)) {
      const roles = toArray(props<{ Roles?: unknown[] }>(resource).Roles);
      if (roles.length === 0 || roles.every((role) => refTarget(role))) continue;
    }
    const document = resource.Properties?.PolicyDocument;
    if (document !== undefined) statements.push(...normaliseStatements(document, id));
  }
  return statements;
}

/** IAM action pattern matching: case-insensitive, `*` and `?` wildcards. */
export function actionMatches(pattern: string, action: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`, 'i').test(action);
}

/** Whether an Allow statement grants `action` (through Action patterns, or NotAction not excluding it). */
export function grants(statement: IamStatement, action: string): boolean {
  if (statement.Effect !== 'Allow') return false;
  if (statement.NotAction.length > 0) return !statement.NotAction.some((p) => actionMatches(p, action));
  return statement.Action.some((p) => actionMatches(p, action));
}

/**
 * Resolves `Fn::Sub` strings that use only pseudo parameters (`${AWS::Region}` ...) to the value they
 * take at deploy time; literals and other intrinsics are returned unchanged.
 */
export function resolveSub(value: unknown, pseudo: Pseudo): unknown {
  const template = (value as { 'Fn::Sub'?: unknown } | null)?.['Fn::Sub'];
  if (typeof template !== 'string') return value;
  return template.replace(
    /\$\{AWS::(Partition|Region|AccountId)\}/g,
    (_, name: keyof Pseudo) => pseudo[name],
  );
}

/**
 * The one mutating action granted on "*", because IAM has no resource type for it:
 * ecs:RegisterTaskDefinition (the derived task definitions of specs with secrets), and only when
 * the request must tag the revision with the stack and with ecs-pilot's tags alone.
 */
function narrowedOnEverything(action: string, statement: IamStatement): boolean {
  if (!actionMatches(action, 'ecs:RegisterTaskDefinition') || statement.Action.length !== 1) return false;
  const condition = statement.Condition ?? {};
  const stack = condition.StringEquals?.['aws:RequestTag/ecs-pilot:stack'];
  const keys = condition['ForAllValues:StringEquals']?.['aws:TagKeys'];
  return (
    typeof stack === 'string' &&
    stack.length > 0 &&
    Array.isArray(keys) &&
    keys.every((k) => String(k).startsWith('ecs-pilot:'))
  );
}

/**
 * Allow statements that break least privilege, one line each: `NotAction`, `*` or `service:*`
 * actions, and actions not matched by `mutationFree` granted on every resource (Resource "*" or a
 * NotResource). Resource policies (with a Principal) apply to their own resource whatever Resource
 * says, so only identity policies are checked for the last.
 */
export function wildcardGrantViolations(template: PackagedTemplate, mutationFree: RegExp): string[] {
  const violations: string[] = [];
  for (const statement of allPolicyStatements(template).filter((s) => s.Effect === 'Allow')) {
    const where = `${statement.source} ${JSON.stringify(statement.Action)}`;
    if (statement.NotAction.length > 0) violations.push(`${where}: Allow with NotAction`);
    for (const action of statement.Action) {
      if (action === '*' || /:\*$/.test(action)) violations.push(`${where}: action ${action}`);
    }
    const onEverything = statement.NotResource.length > 0 || statement.Resource.includes('*');
    if (onEverything && statement.Principal === undefined) {
      for (const action of statement.Action) {
        if (mutationFree.test(action) || narrowedOnEverything(action, statement)) continue;
        violations.push(`${where}: mutating ${action} on *`);
      }
    }
  }
  return violations;
}
