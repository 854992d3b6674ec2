import * as z from 'zod/mini';

/**
 * A task spec's `secrets`: environment variables ECS fills at task start from SSM Parameter Store
 * or Secrets Manager, with the task's execution role (ECS Developer Guide, "Pass sensitive data to
 * an Amazon ECS container"). RunTask cannot carry them (a container override has no `secrets`), so
 * ecs-pilot registers a derived revision of the task definition with them (launch/derive.ts).
 */

/** Where a secret comes from, as the config gives it. */
export interface SecretSource {
  /** An SSM parameter name (this account and Region) or ARN, or a Secrets Manager secret ARN. */
  from: string;
  /** Secrets Manager only: one key of a JSON secret. */
  jsonKey?: string | undefined;
  /** Secrets Manager only: a version stage (e.g. AWSPREVIOUS) or a version id, not both. */
  versionStage?: string | undefined;
  versionId?: string | undefined;
  /** The customer managed KMS key that encrypts it, when it is not the AWS managed key. */
  kmsKeyArn?: string | undefined;
}

const PARTITION = 'aws[a-z-]*';
const REGION = '[a-z]{2}(?:-[a-z]+)+-\\d';
// SSM parameter names: letters, digits and . - _ /, at most 15 levels, 2,048 characters with the ARN.
const SSM_NAME = '[A-Za-z0-9_.\\-/]{1,1011}';
const SSM_ARN = new RegExp(`^arn:${PARTITION}:ssm:${REGION}:\\d{12}:parameter/(${SSM_NAME})$`);
const SSM_PARAMETER = new RegExp(`^/?${SSM_NAME}$`);
// A secret's ARN, complete (name plus AWS's 6-character suffix) or partial (the name only).
const SECRET_ARN = new RegExp(
  `^arn:${PARTITION}:secretsmanager:${REGION}:\\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}$`,
);
const KMS_KEY_ARN = new RegExp(`^arn:${PARTITION}:kms:${REGION}:\\d{12}:key/[A-Za-z0-9-]{1,128}$`);

const REFERENCE_MESSAGE =
  'an SSM parameter name (/app/db-password) or ARN, or a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)';

export type SecretStore = 'ssm' | 'secretsmanager';

/** Which service a `from` names; undefined when it is neither form. */
export function secretStore(from: string): SecretStore | undefined {
  if (SECRET_ARN.test(from)) return 'secretsmanager';
  if (SSM_ARN.test(from)) return 'ssm';
  if (!from.startsWith('arn:') && SSM_PARAMETER.test(from) && !from.includes('//')) return 'ssm';
  return undefined;
}

const selector = z
  .string()
  .check(z.regex(/^[A-Za-z0-9_.+=@/-]{1,256}$/, 'letters, digits and _ . + = @ / - (no colon)'));

const sourceObject = z
  .strictObject({
    from: z.string(),
    jsonKey: z.optional(selector),
    versionStage: z.optional(selector),
    versionId: z.optional(selector),
    kmsKeyArn: z.optional(
      z.string().check(z.regex(KMS_KEY_ARN, 'a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)')),
    ),
  })
  .check(
    z.superRefine((source, ctx) => {
      const store = secretStore(source.from);
      if (store === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: REFERENCE_MESSAGE,
          path: ['from'],
        });
        return;
      }
      for (const field of ['jsonKey', 'versionStage', 'versionId'] as const) {
        if (store === 'ssm' && source[field] !== undefined) {
          ctx.addIssue({
            code: 'custom',
            message: `${field} applies to Secrets Manager secrets only; an SSM parameter is read whole`,
            path: [field],
          });
        }
      }
      if (source.versionStage !== undefined && source.versionId !== undefined) {
        ctx.addIssue({
          code: 'custom',
          message: 'give versionStage or versionId, not both (ECS takes one)',
          path: ['versionId'],
        });
      }
    }),
  );

/** `secrets`: variable name → source; a source is its `from` alone, or the object form. */
export const secretsSchema = z.record(
  z
    .string()
    .check(
      z.regex(
        /^[A-Za-z_][A-Za-z0-9_]{0,254}$/,
        'a variable name of letters, digits and _ (not starting with a digit)',
      ),
    ),
  z.union([
    z.string().check(z.refine((from: string) => secretStore(from) !== undefined, REFERENCE_MESSAGE)),
    sourceObject,
  ]),
);

/** A configured secret in its object form. */
export const sourceOf = (value: string | SecretSource): SecretSource =>
  typeof value === 'string' ? { from: value } : value;

/**
 * What ECS's `valueFrom` holds for a source: the parameter as given, or the secret's ARN followed
 * by `:json-key:version-stage:version-id` when any of them is set (empty parts stay empty).
 */
export function valueFrom(source: SecretSource): string {
  if (secretStore(source.from) !== 'secretsmanager') return source.from;
  const { jsonKey, versionStage, versionId } = source;
  if (jsonKey === undefined && versionStage === undefined && versionId === undefined) return source.from;
  return `${source.from}:${jsonKey ?? ''}:${versionStage ?? ''}:${versionId ?? ''}`;
}

/** A spec's secrets as ECS's container `secrets` list, sorted by name (deterministic). */
export function containerSecrets(
  secrets: Record<string, string | SecretSource>,
): { name: string; valueFrom: string }[] {
  return Object.keys(secrets)
    .sort()
    .map((name) => ({ name, valueFrom: valueFrom(sourceOf(secrets[name]!)) }));
}

/**
 * The IAM resources that reading a source needs, as ARN patterns with `${AWS::…}` pseudo
 * parameters for a parameter given by name. A secret ARN may be complete or partial, and the two
 * cannot be told apart (a name may itself end in `-` and six characters), so both the ARN as given
 * and the ARN followed by AWS's `-??????` suffix are granted: right under either reading, and no
 * wider than the secret's own name.
 */
export function secretResources(source: SecretSource): { action: string; resources: string[] } {
  const store = secretStore(source.from);
  if (store === 'secretsmanager') {
    return { action: 'secretsmanager:GetSecretValue', resources: [source.from, `${source.from}-??????`] };
  }
  const arn = source.from.startsWith('arn:')
    ? source.from
    : `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter/${source.from.replace(/^\//, '')}`;
  return { action: 'ssm:GetParameters', resources: [arn] };
}
