/**
 * The config's `tags` on every resource of ours whose CloudFormation type takes a `Tags` list.
 * What serverless creates (functions, their log groups and roles' siblings, the deployment bucket)
 * gets them through `provider.tags` and `provider.stackTags` (serverless.yml), and CloudFormation
 * also propagates stack tags to the resources it creates.
 */
export const TAGGABLE_TYPES: ReadonlySet<string> = new Set([
  'AWS::SQS::Queue',
  'AWS::DynamoDB::Table',
  'AWS::SNS::Topic',
  'AWS::IAM::Role',
  'AWS::KMS::Key',
  'AWS::CloudWatch::Alarm',
  'AWS::Events::Rule',
  'AWS::Logs::LogGroup',
  'AWS::Scheduler::ScheduleGroup',
]);

/** Adds `tags` to each taggable resource, keeping a resource's own tag where it sets the same key. */
export function tagResources(resources: Record<string, unknown>, tags: Record<string, string>): void {
  const list = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
  if (list.length === 0) return;
  for (const resource of Object.values(resources)) {
    const r = resource as { Type?: string; Properties?: Record<string, unknown> };
    if (!r.Type || !TAGGABLE_TYPES.has(r.Type)) continue;
    r.Properties ??= {};
    const own = (r.Properties.Tags as { Key: string; Value: string }[] | undefined) ?? [];
    const ownKeys = new Set(own.map((t) => t.Key));
    r.Properties.Tags = [...own, ...list.filter((t) => !ownKeys.has(t.Key))];
  }
}
