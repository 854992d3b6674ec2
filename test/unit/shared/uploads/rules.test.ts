import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../shared/config/load';
import type { UploadTrigger } from '../../../../shared/config/schema';
import {
  MAX_DESCRIPTION_CHARS,
  MAX_PATTERN_CHARS,
  patternSize,
} from '../../../../shared/kernel/deploy/patterns';
import { matchTrigger } from '../../../../shared/uploads/match';
import { uploadsStack } from '../../../../shared/uploads/deploy';
import {
  coveringPrefixes,
  keyPrefixForms,
  planUploadRules,
  uploadRuleDescription,
} from '../../../../shared/uploads/rules';
import { rawTrigger, uploadedObject, uploadTrigger, type RawTrigger } from '../fixtures';

const NAMES = { prefix: 'ecs-pilot-dev', configFile: '.build/config/dev.json' };

/**
 * A small, strict evaluator of the EventBridge pattern syntax the upload rules may use, following
 * "Amazon EventBridge event patterns" and "Content filtering in Amazon EventBridge event patterns"
 * (EventBridge user guide): every field named in the pattern must match (AND); the values of a
 * field's array are alternatives (OR); a string matches a string exactly (case-sensitive); a
 * `{ "prefix": p }` matches a string value starting with p; a nested object matches a nested object.
 * Anything else (wildcard, numeric, suffix, ...) throws: the upload rules may not use it.
 */
function patternMatches(pattern: unknown, event: unknown): boolean {
  if (!pattern || typeof pattern !== 'object' || Array.isArray(pattern)) throw new Error('not a pattern');
  return Object.entries(pattern).every(([field, expected]) => {
    const value = (event as Record<string, unknown> | undefined)?.[field];
    if (Array.isArray(expected)) {
      if (typeof value !== 'string' && typeof value !== 'number') return false;
      return expected.some((alternative) => {
        if (typeof alternative === 'string') return alternative === value;
        const entries = Object.entries(alternative as object);
        if (entries.length !== 1 || entries[0]![0] !== 'prefix' || typeof entries[0]![1] !== 'string') {
          throw new Error(`operator outside prefix lists and exact values: ${JSON.stringify(alternative)}`);
        }
        return typeof value === 'string' && value.startsWith(entries[0]![1]);
      });
    }
    return typeof value === 'object' && value !== null && patternMatches(expected, value);
  });
}

/** The event EventBridge would match, with the key in the form it arrives in. */
const objectCreated = (bucket: string, key: string, size: number) => ({
  source: 'aws.s3',
  'detail-type': 'Object Created',
  detail: { bucket: { name: bucket }, object: { key, size } },
});

/**
 * Form encodings, written independently of the code under test (from encodeURIComponent): Java's
 * URLEncoder keeps `*` and encodes `~!'()`; Python's quote_plus keeps `~` and encodes `*!'()`.
 */
const pct = (c: string) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`;
const javaForm = (text: string) =>
  encodeURIComponent(text)
    .replace(/[~!'()]/g, pct)
    .replace(/%20/g, '+');
const pythonForm = (text: string) =>
  encodeURIComponent(text)
    .replace(/[*!'()]/g, pct)
    .replace(/%20/g, '+');
const arrivingForms = (key: string) => [
  key,
  javaForm(key),
  javaForm(key).replace(/%2F/g, '/'),
  pythonForm(key),
  pythonForm(key).replace(/%2F/g, '/'),
];

const rulesOf = (resources: Record<string, unknown>) =>
  Object.values(resources).filter(
    (r): r is { Type: string; Properties: { EventPattern: unknown; Description: string; Name: string } } =>
      (r as { Type?: string }).Type === 'AWS::Events::Rule',
  );

// Characters that keys really hold and that encoders treat differently.
const keyChar = fc.constantFrom(
  'a',
  'b',
  'Z',
  '0',
  '/',
  ' ',
  '+',
  '%',
  ':',
  '*',
  '~',
  '-',
  'é',
  '😀',
  '\\',
  '(',
);
const keyText = (maxLength: number) => fc.array(keyChar, { maxLength }).map((c) => c.join(''));
const triggerArb = fc.record({
  bucket: fc.constantFrom('media-ingest', 'archive.example.com', 'b' + 'x'.repeat(61)),
  prefix: keyText(8),
  suffix: fc.option(
    keyText(4).filter((s) => s.length > 0),
    { nil: undefined },
  ),
  minSize: fc.option(fc.nat(), { nil: undefined }),
});

describe('Function: uploadsStack (rule patterns)', () => {
  it('matches, in every form a key may arrive in, each object the function would accept (property)', () => {
    fc.assert(
      fc.property(
        fc.array(triggerArb, { minLength: 1, maxLength: 6 }),
        fc.nat({ max: 5 }),
        keyText(6),
        fc.constantFrom(0, 1, 5e9, 8e12),
        (fields, pick, middle, size) => {
          const raws: RawTrigger[] = fields.map((f, i) => rawTrigger({ ...f, name: `t${i}` }));
          const config = parseConfig({ uploads: raws });
          const trigger = config.uploads[pick % config.uploads.length]!;
          const key = `${trigger.prefix}${middle}${trigger.suffix ?? ''}`;
          const patterns = rulesOf(uploadsStack(config, NAMES).resources).map(
            (r) => r.Properties.EventPattern,
          );
          const object = uploadedObject({ bucket: trigger.bucket, key, size });
          if (!matchTrigger(trigger, object).matches) return;
          for (const form of arrivingForms(key)) {
            const event = objectCreated(trigger.bucket, form, size);
            expect(patterns.some((p) => patternMatches(p, event))).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('selects by bucket and prefix only: no wildcard, no numeric, no suffix', () => {
    const config = parseConfig({
      uploads: [rawTrigger({ prefix: 'incoming/', suffix: '.jpg', minSize: 1, maxSize: 100 })],
    });

    const [rule] = rulesOf(uploadsStack(config, NAMES).resources);

    expect(rule?.Properties.EventPattern).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: {
        bucket: { name: ['media-ingest'] },
        object: { key: [{ prefix: 'incoming%2F' }, { prefix: 'incoming/' }] },
      },
    });
  });

  it('merges the triggers of one bucket into one rule', () => {
    const config = parseConfig({
      uploads: [
        rawTrigger({ name: 'a', prefix: 'images/', suffix: '.jpg' }),
        rawTrigger({ name: 'b', prefix: 'videos/', suffix: '.mp4' }),
        rawTrigger({ name: 'c', bucket: 'other-bucket', prefix: 'x/' }),
      ],
    });

    expect(rulesOf(uploadsStack(config, NAMES).resources)).toHaveLength(2);
  });

  it('lists the raw and form-encoded prefix when encoding changes it', () => {
    expect(keyPrefixForms('incoming/été 2026/a+b%')).toEqual(
      expect.arrayContaining([
        'incoming/été 2026/a+b%',
        'incoming/%C3%A9t%C3%A9+2026/a%2Bb%25',
        'incoming%2F%C3%A9t%C3%A9+2026%2Fa%2Bb%25',
      ]),
    );
  });

  it('drops no trigger when an encoded prefix outgrows the pattern limit: it is shortened, which only selects more', () => {
    const config = parseConfig({ uploads: [rawTrigger({ prefix: 'é'.repeat(1000) })] });

    const rules = rulesOf(uploadsStack(config, NAMES).resources);

    for (const rule of rules)
      expect(patternSize(rule.Properties.EventPattern)).toBeLessThanOrEqual(MAX_PATTERN_CHARS);
    const event = objectCreated('media-ingest', javaForm('é'.repeat(1000) + 'x'), 1);
    expect(rules.some((r) => patternMatches(r.Properties.EventPattern, event))).toBe(true);
  });

  it('splits a bucket over as few rules as the pattern limit allows, each within 2,048 characters', () => {
    const uploads = Array.from({ length: 40 }, (_, i) =>
      rawTrigger({ name: `t${i}`, prefix: `${String(i).padStart(2, '0')}-${'p'.repeat(60)}/` }),
    );

    const rules = rulesOf(uploadsStack(parseConfig({ uploads }), NAMES).resources);

    const sizes = rules.map((r) => patternSize(r.Properties.EventPattern));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_PATTERN_CHARS);
    // 80 prefixes of ~75 bytes each in the pattern: at least 3 rules, and greedy packing needs no more than 4.
    expect(rules.length).toBeGreaterThanOrEqual(3);
    expect(rules.length).toBeLessThanOrEqual(4);
  });

  it('keeps the queue policy in step with the rules', () => {
    const uploads = Array.from({ length: 40 }, (_, i) =>
      rawTrigger({
        name: `t${i}`,
        bucket: i % 2 ? 'media-ingest' : 'other-bucket',
        prefix: `${i}-${'p'.repeat(60)}/`,
      }),
    );

    const { resources } = uploadsStack(parseConfig({ uploads }), NAMES);

    const ruleIds = Object.entries(resources)
      .filter(([, r]) => (r as { Type: string }).Type === 'AWS::Events::Rule')
      .map(([id]) => ({ 'Fn::GetAtt': [id, 'Arn'] }));
    expect(resources.UploadsQueuePolicy).toMatchObject({
      Properties: {
        PolicyDocument: { Statement: [{ Condition: { ArnEquals: { 'aws:SourceArn': ruleIds } } }] },
      },
    });
  });

  it('names a rule from the stage prefix and a short bucket id, within 64 characters for a 63-character bucket', () => {
    const config = parseConfig({ uploads: [rawTrigger({ bucket: 'b'.repeat(63) })] });

    const [rule] = rulesOf(uploadsStack(config, NAMES).resources);

    expect(rule?.Properties.Name).toMatch(/^ecs-pilot-dev-upload-[0-9a-f]{10}$/);
  });

  it('bounds the description to 512 characters, naming how many prefixes are left out', () => {
    const uploads = Array.from({ length: 10 }, (_, i) =>
      rawTrigger({ name: `t${i}`, prefix: `${i}${'q'.repeat(100)}` }),
    );

    const descriptions = rulesOf(uploadsStack(parseConfig({ uploads }), NAMES).resources).map(
      (r) => r.Properties.Description,
    );

    for (const description of descriptions)
      expect([...description].length).toBeLessThanOrEqual(MAX_DESCRIPTION_CHARS);
    expect(descriptions.join(' ')).toMatch(/and \d+ more/);
  });
});

describe('Function: coveringPrefixes', () => {
  it('keeps only prefixes no other prefix covers', () => {
    expect(coveringPrefixes(['a/b/', 'a/', 'c', 'a/', 'cd'])).toEqual(['a/', 'c']);
  });
});

describe('Function: planUploadRules', () => {
  it('gives a bucket with an empty-prefix trigger one rule with no key filter', () => {
    const triggers: UploadTrigger[] = [
      uploadTrigger({ prefix: '' }),
      uploadTrigger({ name: 'b', prefix: 'x/' }),
    ];

    const [plan, ...rest] = planUploadRules(triggers);

    expect(rest).toEqual([]);
    expect(plan?.pattern).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: { bucket: { name: ['media-ingest'] } },
    });
    expect(uploadRuleDescription(plan!)).toBe(
      'ecs-pilot uploads: s3://media-ingest, every key; suffix and size are checked by the function',
    );
  });
});
