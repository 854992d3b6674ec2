import { describe, expect, it } from 'vitest';
import { lambdaRole, schedulerRole } from '../../../../../shared/kernel/deploy/cfn';

interface RoleResource {
  Type: string;
  Properties: {
    AssumeRolePolicyDocument: { Statement: unknown[] };
    Policies: { PolicyName: string; PolicyDocument: { Statement: unknown[] } }[];
  };
}

describe('Function: lambdaRole', () => {
  it('is trusted by Lambda only and writes only to its own log group', () => {
    // Act
    const role = lambdaRole('ecs-pilot-dev-uploadToTask', []) as unknown as RoleResource;

    // Assess
    expect(role.Type).toBe('AWS::IAM::Role');
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
    expect(role.Properties.Policies[0]?.PolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: [
          {
            'Fn::Sub':
              'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/ecs-pilot-dev-uploadToTask:*',
          },
        ],
      },
    ]);
  });
});

describe('Function: schedulerRole', () => {
  it('is trusted by Scheduler in this account only and allows only the given statements', () => {
    const statement = { Effect: 'Allow' as const, Action: ['lambda:InvokeFunction'], Resource: ['fn'] };

    const role = schedulerRole('invoke-it', [statement]) as unknown as RoleResource;

    expect(role.Type).toBe('AWS::IAM::Role');
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      },
    ]);
    expect(role.Properties.Policies).toEqual([
      { PolicyName: 'invoke-it', PolicyDocument: { Version: '2012-10-17', Statement: [statement] } },
    ]);
  });
});
