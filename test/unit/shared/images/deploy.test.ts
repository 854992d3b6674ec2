import { describe, expect, it } from 'vitest';
import { imagesSchema } from '../../../../shared/images/config';
import { imagesStack, imagesStatements } from '../../../../shared/images/deploy';
import { parseConfig } from '../../../../shared/config/load';

const RULE = {
  rulePriority: 1,
  selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 },
  action: { type: 'expire' },
};
const images = (mode: 'preview' | 'enforce') =>
  imagesSchema.parse({
    mode,
    protect: { clusters: ['media'] },
    repositories: [
      { match: ['app-*'], syncPolicy: true, policy: { rules: [RULE] } },
      { match: ['tools'], policy: { rules: [RULE] } },
    ],
  });
const MUTATING = ['ecr:BatchDeleteImage', 'ecr:PutLifecyclePolicy'];
const repo = (glob: string) => ({
  'Fn::Sub': `arn:\${AWS::Partition}:ecr:\${AWS::Region}:\${AWS::AccountId}:repository/${glob}`,
});

describe('Function: imagesStatements', () => {
  it('grants nothing mutating in preview mode: a preview deployment cannot delete even by mistake', () => {
    const actions = imagesStatements(images('preview')).flatMap((s) => s.Action);

    expect(actions.filter((a) => MUTATING.includes(a) || /^ecr:(\*|Batch\*|Put)/.test(a))).toEqual([]);
  });

  it('grants BatchDeleteImage on the matched repositories and PutLifecyclePolicy on the synced ones only', () => {
    const statements = imagesStatements(images('enforce'));
    const on = (action: string) => statements.filter((s) => s.Action.includes(action));

    expect(on('ecr:BatchDeleteImage')).toEqual([
      { Effect: 'Allow', Action: ['ecr:BatchDeleteImage'], Resource: [repo('app-*'), repo('tools')] },
    ]);
    expect(on('ecr:PutLifecyclePolicy')).toEqual([
      { Effect: 'Allow', Action: ['ecr:PutLifecyclePolicy'], Resource: [repo('app-*')] },
    ]);
    for (const s of statements.filter((st) => st.Resource.includes('*')))
      expect(s.Action.every((a) => /^(ecs|lambda|events|scheduler):(List|Describe)/.test(a))).toBe(true);
  });

  it('grants the Lambda scan its four reads, scoped to this account and Region where Lambda allows, unless it is off', () => {
    const lambdaActions = (over: Record<string, unknown>) =>
      imagesStatements(
        imagesSchema.parse({
          protect: { clusters: ['media'], ...over },
          repositories: [{ match: ['app'], policy: { rules: [RULE] } }],
        }),
      ).filter((s) => s.Action.some((a) => a.startsWith('lambda:')));

    expect(lambdaActions({})).toEqual([
      { Effect: 'Allow', Action: ['lambda:ListFunctions'], Resource: ['*'] },
      {
        Effect: 'Allow',
        Action: ['lambda:ListVersionsByFunction', 'lambda:ListAliases', 'lambda:GetFunction'],
        Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:*' }],
      },
    ]);
    expect(lambdaActions({ lambda: { scan: false } })).toEqual([]);
  });

  it('scopes ListTargetsByRule to the rules of the configured buses, the default bus without a bus segment', () => {
    const targets = (over: Record<string, unknown>) =>
      imagesStatements(
        imagesSchema.parse({
          protect: { clusters: ['media'], ...over },
          repositories: [{ match: ['app'], policy: { rules: [RULE] } }],
        }),
      ).filter((s) => s.Action.includes('events:ListTargetsByRule'));
    const rules = (tail: string) => ({
      'Fn::Sub': `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:rule/${tail}`,
    });

    expect(targets({ eventRules: { buses: ['default', 'jobs'] } })).toEqual([
      { Effect: 'Allow', Action: ['events:ListTargetsByRule'], Resource: [rules('*'), rules('jobs/*')] },
    ]);
    expect(targets({ eventRules: { scan: false } })).toEqual([]);
  });

  it('lets the Scheduler scan list schedules ("*": no resource-level permission) and read only schedules, read-only', () => {
    const schedulerActions = (over: Record<string, unknown>) =>
      imagesStatements(
        imagesSchema.parse({
          mode: 'enforce',
          protect: { clusters: ['media'], ...over },
          repositories: [{ match: ['app'], policy: { rules: [RULE] } }],
        }),
      ).filter((s) => s.Action.some((a) => a.startsWith('scheduler:')));

    expect(schedulerActions({})).toEqual([
      { Effect: 'Allow', Action: ['scheduler:ListSchedules'], Resource: ['*'] },
      {
        Effect: 'Allow',
        Action: ['scheduler:GetSchedule'],
        Resource: [
          { 'Fn::Sub': 'arn:${AWS::Partition}:scheduler:${AWS::Region}:${AWS::AccountId}:schedule/*/*' },
        ],
      },
    ]);
    expect(schedulerActions({ scheduler: { scan: false } })).toEqual([]);
  });

  it('grants GetObject on each scan file read and PutObject on the scan written, those objects only', () => {
    const s3 = (over: Record<string, unknown>) =>
      imagesStatements(
        imagesSchema.parse({
          ...over,
          repositories: [{ match: ['app'], policy: { rules: [RULE] } }],
        }),
      ).filter((st) => st.Action.some((a) => a.startsWith('s3:')));
    const object = (path: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${path}` });

    expect(
      s3({
        scanOutput: 's3://shared-scans/account-a.json',
        protect: { fromScans: ['s3://shared-scans/account-b.json', 's3://other/scans/c.json'] },
      }),
    ).toEqual([
      {
        Effect: 'Allow',
        Action: ['s3:GetObject'],
        Resource: [object('shared-scans/account-b.json'), object('other/scans/c.json')],
      },
      { Effect: 'Allow', Action: ['s3:PutObject'], Resource: [object('shared-scans/account-a.json')] },
    ]);
    expect(s3({})).toEqual([]);
  });

  it('gives the function the account id a written scan names, only when it writes one', () => {
    const env = (images: Record<string, unknown>) => {
      const config = parseConfig({
        images: { ...images, repositories: [{ match: ['app'], policy: { rules: [RULE] } }] },
      });
      return imagesStack(config, { prefix: 'p', configFile: 'c.json' }).functions.enforceImages!.environment;
    };

    expect(env({ scanOutput: 's3://shared-scans/a.json' })).toMatchObject({
      ECS_PILOT_ACCOUNT: { Ref: 'AWS::AccountId' },
    });
    expect(env({})).not.toHaveProperty('ECS_PILOT_ACCOUNT');
  });

  it.each([
    ['every cluster (no list)', undefined, 'ArnLike', ['*']],
    ['a pattern', ['prod-*', 'media'], 'ArnLike', ['prod-*', 'media']],
    ['names only', ['media'], 'ArnEquals', ['media']],
  ])(
    'scopes ECS reads for %s, and lists clusters on "*" (no resource-level permission)',
    (_case, clusters, operator, scopes) => {
      const statements = imagesStatements(
        imagesSchema.parse({
          ...(clusters ? { protect: { clusters } } : {}),
          repositories: [{ match: ['app'], policy: { rules: [RULE] } }],
        }),
      );
      const cluster = (c: string) => ({
        'Fn::Sub': `arn:\${AWS::Partition}:ecs:\${AWS::Region}:\${AWS::AccountId}:cluster/${c}`,
      });

      expect(statements.find((s) => s.Action.includes('ecs:ListClusters'))!.Resource).toEqual(['*']);
      expect(statements.find((s) => s.Action.includes('ecs:ListTasks'))!.Condition).toEqual({
        [operator]: { 'ecs:cluster': scopes.map(cluster) },
      });
      expect(statements.find((s) => s.Action.includes('ecs:DescribeTasks'))!.Resource).toEqual(
        scopes.map((c) => ({
          'Fn::Sub': `arn:\${AWS::Partition}:ecs:\${AWS::Region}:\${AWS::AccountId}:task/${c}/*`,
        })),
      );
    },
  );
});
