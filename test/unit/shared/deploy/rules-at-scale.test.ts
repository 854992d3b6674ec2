import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../shared/config/load';
import { buildStack } from '../../../../shared/deploy/stack';
import {
  MAX_DESCRIPTION_CHARS,
  MAX_PATTERN_CHARS,
  patternSize,
} from '../../../../shared/kernel/deploy/patterns';

/**
 * EventBridge limits on the rules of a stack at the stated maximum scale (issue 20): 50 upload
 * triggers with prefix, suffix and size bounds on 3 buckets, schedules, and alerts watching 50
 * clusters. Built in process with the stack builder serverless.yml uses.
 */
const task = {
  cluster: 'media',
  taskDefinition: 'worker',
  container: 'app',
  subnets: ['subnet-0123abcd'],
  securityGroups: ['sg-0123abcd'],
};
const BUCKETS = ['media-ingest', 'media-archive-eu-west-1-' + 'x'.repeat(39), 'partner-drop.example.com'];
const config = parseConfig({
  uploads: Array.from({ length: 50 }, (_, i) => ({
    name: `trigger-${i}`,
    bucket: BUCKETS[i % BUCKETS.length],
    prefix: i % 5 === 0 ? `incoming/été ${i}/a+b%/` : `incoming/team-${i}/`,
    suffix: i % 2 ? '.jpg' : '.mp4',
    minSize: 1,
    maxSize: 50_000_000_000,
    task,
  })),
  schedules: Array.from({ length: 10 }, (_, i) => ({
    name: `schedule-${i}`,
    schedule: 'rate(1 hour)',
    task,
  })),
  alerts: {
    emails: ['oncall@example.com'],
    clusters: Array.from({ length: 50 }, (_, i) => `cluster-name-${String(i).padStart(7, '0')}`),
  },
});
const { Resources } = buildStack(config, {
  service: 'ecs-pilot',
  stage: 'production',
  configFile: 'c.json',
}).resources;

interface Rule {
  Type: string;
  Properties: { Name: string; Description: string; EventPattern: unknown; Targets: { Id: string }[] };
}
const rules = Object.values(Resources).filter((r): r is Rule => (r as Rule).Type === 'AWS::Events::Rule');
const uploadRules = rules.filter((r) => r.Properties.Targets[0]?.Id === 'uploads-queue');
const operators = (op: string) =>
  rules.filter((r) => JSON.stringify(r.Properties.EventPattern).includes(`"${op}"`)).length;

describe('Stack: rules at the maximum scale', () => {
  it('uses no wildcard (30 rules per bus, not adjustable) and no numeric (documented range ±5.0e9)', () => {
    expect({ wildcard: operators('wildcard'), numeric: operators('numeric') }).toEqual({
      wildcard: 0,
      numeric: 0,
    });
  });

  it('has at most one upload rule per bucket when the prefixes fit in 2,048 characters', () => {
    expect(uploadRules).toHaveLength(BUCKETS.length);
  });

  it('keeps every pattern within 2,048 characters', () => {
    for (const rule of rules)
      expect(patternSize(rule.Properties.EventPattern)).toBeLessThanOrEqual(MAX_PATTERN_CHARS);
  });

  it('keeps every description within 512 characters and every rule name within 64', () => {
    for (const rule of rules) {
      expect([...rule.Properties.Description].length).toBeLessThanOrEqual(MAX_DESCRIPTION_CHARS);
      expect(rule.Properties.Name.length).toBeLessThanOrEqual(64);
    }
  });
});
