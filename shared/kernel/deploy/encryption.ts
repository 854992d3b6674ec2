import { arn, RETAIN, sub, type Cfn } from './cfn.js';

/** Logical id of the key the stack creates for `encryption: kms`. */
export const STACK_KEY_ID = 'StackKey';

/** The customer managed key everything at rest uses: the stack's own key, a given ARN, or none (the default). */
export function encryptionKey(encryption: 'kms' | { kmsKeyArn: string } | undefined): Cfn | undefined {
  if (encryption === undefined) return undefined;
  return encryption === 'kms' ? arn(STACK_KEY_ID) : encryption.kmsKeyArn;
}

/**
 * The default key policy statement: the account's IAM policies decide who uses the key (here, only
 * the roles of this stack that need it, through their own policies).
 */
export const ACCOUNT_IAM_POLICIES_DECIDE = {
  Sid: 'AccountIamPoliciesDecide',
  Effect: 'Allow',
  Principal: { AWS: sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:root') },
  Action: 'kms:*',
  Resource: '*',
} as const;

/**
 * The key of `encryption: kms` and its alias. Its policy: the account's IAM policies decide who
 * uses it (each function's and schedule's role, through its own policy), plus the services that
 * use it on the stack's behalf: CloudWatch Logs for this stage's log groups (CloudWatch Logs user
 * guide, "Encrypt log data using AWS KMS"), and EventBridge delivering to the encrypted queues
 * (kms:GenerateDataKey and kms:Decrypt; EventBridge and SQS guides), from this account only.
 * Retained like the tables whose data it encrypts.
 */
export function stackKeyResources(prefix: string): Record<string, unknown> {
  return {
    [STACK_KEY_ID]: {
      Type: 'AWS::KMS::Key',
      ...RETAIN,
      Properties: {
        Description: `ecs-pilot ${prefix}: encrypts the stack's queues, tables, topics, logs and function environments`,
        EnableKeyRotation: true,
        KeyPolicy: {
          Version: '2012-10-17',
          Statement: [
            ACCOUNT_IAM_POLICIES_DECIDE,
            {
              Sid: 'CloudWatchLogsForThisStage',
              Effect: 'Allow',
              Principal: { Service: sub('logs.${AWS::Region}.amazonaws.com') },
              Action: [
                'kms:Encrypt*',
                'kms:Decrypt*',
                'kms:ReEncrypt*',
                'kms:GenerateDataKey*',
                'kms:Describe*',
              ],
              Resource: '*',
              Condition: {
                ArnLike: {
                  'kms:EncryptionContext:aws:logs:arn': sub(
                    `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${prefix}-*`,
                  ),
                },
              },
            },
            {
              Sid: 'EventBridgeDeliversToTheQueues',
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
              Resource: '*',
              Condition: { StringEquals: { 'aws:SourceAccount': sub('${AWS::AccountId}') } },
            },
          ],
        },
      },
    },
    StackKeyAlias: {
      Type: 'AWS::KMS::Alias',
      Properties: { AliasName: `alias/${prefix}`, TargetKeyId: { Ref: STACK_KEY_ID } },
    },
  };
}

/** The stack's data at rest, as the config asks: an explicit key per resource and backups of the tables. */
export interface AtRest {
  /** The customer managed key; undefined keeps each service's own encryption (SSE-SQS, DynamoDB's key). */
  key: Cfn | undefined;
  /** Point-in-time recovery on every DynamoDB table. */
  pointInTimeRecovery: boolean;
}

type Resource = { Type: string; Properties: Record<string, unknown> };

/**
 * Applies `atRest` to every queue, table and topic of the stack (returned as new objects): with a
 * key, queues use it instead of SSE-SQS, tables use it instead of DynamoDB's own key, topics use it;
 * tables get point-in-time recovery when asked.
 */
export function applyAtRest(resources: Record<string, unknown>, atRest: AtRest): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [id, value] of Object.entries(resources)) {
    const resource = value as Resource;
    const properties = { ...resource.Properties };
    if (resource.Type === 'AWS::SQS::Queue' && atRest.key !== undefined) {
      delete properties.SqsManagedSseEnabled;
      properties.KmsMasterKeyId = atRest.key;
    } else if (resource.Type === 'AWS::DynamoDB::Table') {
      if (atRest.key !== undefined)
        properties.SSESpecification = { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: atRest.key };
      properties.PointInTimeRecoverySpecification = {
        PointInTimeRecoveryEnabled: atRest.pointInTimeRecovery,
      };
    } else if (resource.Type === 'AWS::SNS::Topic' && atRest.key !== undefined) {
      properties.KmsMasterKeyId = atRest.key;
    } else {
      out[id] = value;
      continue;
    }
    out[id] = { ...resource, Properties: properties };
  }
  return out;
}

/** osls's logical id of a function's log group (`uploadToTask` → `UploadToTaskLogGroup`). */
export const logGroupId = (functionName: string) =>
  `${functionName[0]!.toUpperCase()}${functionName.slice(1).replace(/-/g, 'Dash').replace(/_/g, 'Underscore')}LogGroup`;
