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
    const resources = lambdaRole('UploadToTaskRole', 'ecs-pilot-dev-uploadToTask', []);
    const role = resources.UploadToTaskRole as RoleResource;

    // Assess
    expect(Object.keys(resources)).toEqual(['UploadToTaskRole']);
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

describe('Function: lambdaRole past the inline limit', () => {
  const runTask = (family: string) => ({
    Effect: 'Allow' as const,
    Action: ['ecs:RunTask'],
    Resource: [`arn:aws:ecs:eu-west-1:123456789012:task-definition/${family}-${'x'.repeat(40)}:*`],
    Condition: { ArnEquals: { 'ecs:cluster': `arn:aws:ecs:eu-west-1:123456789012:cluster/c-${family}` } },
  });

  it('moves what does not fit inline into managed policies the role references', () => {
    // Prepare: 200 task definitions on 200 clusters (nothing merges), about 36,000 characters
    const statements = Array.from({ length: 200 }, (_, i) => runTask(`f${i}`));

    // Act
    const resources = lambdaRole('RunScheduleRole', 'ecs-pilot-dev-runSchedule', statements);

    // Assess
    const role = resources.RunScheduleRole as RoleResource & {
      Properties: { ManagedPolicyArns: { Ref: string }[] };
    };
    const policyIds = role.Properties.ManagedPolicyArns.map((ref) => ref.Ref);
    expect(policyIds.length).toBeGreaterThan(1);
    expect(policyIds.length).toBeLessThanOrEqual(10);
    const inline = JSON.stringify(role.Properties.Policies[0]!.PolicyDocument);
    expect(inline.length).toBeLessThanOrEqual(10_240);
    const granted = [role.Properties.Policies[0]!.PolicyDocument.Statement];
    for (const id of policyIds) {
      const policy = resources[id] as {
        Type: string;
        Properties: { PolicyDocument: { Statement: unknown[] } };
      };
      expect(policy.Type).toBe('AWS::IAM::ManagedPolicy');
      expect(JSON.stringify(policy.Properties.PolicyDocument).length).toBeLessThanOrEqual(6_144);
      granted.push(policy.Properties.PolicyDocument.Statement);
    }
    // Nothing lost: every statement is granted by exactly one policy.
    expect(granted.flat()).toHaveLength(201);
  });

  it('refuses, naming the limit and the way out, a role no policy split can hold', () => {
    const statements = Array.from({ length: 2000 }, (_, i) => runTask(`f${i}`));

    expect(() => lambdaRole('RunScheduleRole', 'ecs-pilot-dev-runSchedule', statements)).toThrow(
      /RunScheduleRole role would need \d+ characters of IAM policy.*10240 inline \+ 10 managed policies of 6144.*split the config into two stages/,
    );
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
