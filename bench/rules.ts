/**
 * Rule counts and pattern sizes at the stated maximum scale (issue 20): a generated config with 50
 * upload triggers (each with a prefix, a suffix and size bounds) on 3 buckets, and an alert rule
 * watching 50 clusters of 20 characters, built with the in-process stack builder.
 *
 *   npx tsx bench/rules.ts
 */
import { parseConfig } from '../shared/config/load.js';
import { buildStack } from '../shared/deploy/stack.js';

const task = {
  cluster: 'media',
  taskDefinition: 'worker',
  container: 'app',
  subnets: ['subnet-0123abcd'],
  securityGroups: ['sg-0123abcd'],
};
const buckets = ['media-ingest', 'media-archive-eu-west-1', 'partner-drop.example.com'];
const uploads = Array.from({ length: 50 }, (_, i) => ({
  name: `trigger-${i}`,
  bucket: buckets[i % buckets.length],
  prefix: `incoming/team-${i}/`,
  suffix: i % 2 ? '.jpg' : '.mp4',
  minSize: 1,
  maxSize: 50_000_000_000,
  task,
}));
const clusters = Array.from({ length: 50 }, (_, i) => `cluster-name-${String(i).padStart(7, '0')}`);
const config = parseConfig({ uploads, alerts: { emails: ['oncall@example.com'], clusters } });
const { Resources } = buildStack(config, {
  service: 'ecs-pilot',
  stage: 'prod',
  configFile: 'x.json',
}).resources;

const rules = Object.values(Resources).filter(
  (r): r is { Type: string; Properties: { EventPattern: unknown; Targets: { Id: string }[] } } =>
    (r as { Type?: string }).Type === 'AWS::Events::Rule',
);
const size = (rule: (typeof rules)[number]) => JSON.stringify(rule.Properties.EventPattern).length;
const uploadRules = rules.filter((r) => r.Properties.Targets[0]?.Id === 'uploads-queue');
const alertRules = rules.filter((r) => r.Properties.Targets[0]?.Id === 'alerts-queue');
const count = (op: string) =>
  rules.filter((r) => JSON.stringify(r.Properties.EventPattern).includes(op)).length;
console.log(`50 upload triggers on 3 buckets, alerts watching 50 clusters of 20 characters:`);
console.log(
  `  upload rules: ${uploadRules.length}, largest pattern ${Math.max(...uploadRules.map(size))} chars`,
);
console.log(`  alert rules: ${alertRules.length}, pattern ${Math.max(...alertRules.map(size))} chars`);
console.log(`  rules using wildcard: ${count('"wildcard"')}, using numeric: ${count('"numeric"')}`);
