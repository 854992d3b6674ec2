import { describe, expect, it } from 'vitest';
import { tagResources } from '../../../../shared/deploy/tags.js';

describe('Function: tagResources', () => {
  it('tags every resource whose type takes Tags, and leaves the others alone', () => {
    const resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> = {
      Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'q' } },
      Table: { Type: 'AWS::DynamoDB::Table', Properties: {} },
      Rule: { Type: 'AWS::Events::Rule', Properties: {} },
      Policy: { Type: 'AWS::SQS::QueuePolicy', Properties: {} },
      Schedule: { Type: 'AWS::Scheduler::Schedule', Properties: {} },
    };

    tagResources(resources, { team: 'platform', 'cost-centre': '42' });

    const expected = [
      { Key: 'team', Value: 'platform' },
      { Key: 'cost-centre', Value: '42' },
    ];
    expect(resources.Queue!.Properties!.Tags).toEqual(expected);
    expect(resources.Table!.Properties!.Tags).toEqual(expected);
    expect(resources.Rule!.Properties!.Tags).toEqual(expected);
    expect(resources.Policy!.Properties!.Tags).toBeUndefined();
    expect(resources.Schedule!.Properties!.Tags).toBeUndefined();
  });

  it("keeps a resource's own tag when the config sets the same key", () => {
    const resources = {
      Key: { Type: 'AWS::KMS::Key', Properties: { Tags: [{ Key: 'team', Value: 'security' }] } },
    };

    tagResources(resources, { team: 'platform', env: 'prod' });

    expect(resources.Key.Properties.Tags).toEqual([
      { Key: 'team', Value: 'security' },
      { Key: 'env', Value: 'prod' },
    ]);
  });

  it('adds no Tags property when the config has no tags', () => {
    const resources = { Queue: { Type: 'AWS::SQS::Queue', Properties: {} as Record<string, unknown> } };

    tagResources(resources, {});

    expect(resources.Queue.Properties).not.toHaveProperty('Tags');
  });
});
