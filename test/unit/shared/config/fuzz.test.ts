import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { judgeConfig } from '../../../../shared/config/load';
import { parseYaml } from '../../../../shared/config/yaml';
import { ConfigError } from '../../../../shared/kernel/errors';
import { hasUnsafeCharacters } from '../../../../shared/kernel/text/escape';
import { fuzz } from '../../../helpers/fuzz';
import { rawTrigger } from '../fixtures';

/** Runs the judge on YAML text; returns the config or the issues, and fails on anything else thrown. */
function judge(text: string): { ok: true } | { ok: false; issues: readonly string[] } {
  try {
    judgeConfig(parseYaml(text, 'fuzz.yml'), 'fuzz.yml');
    return { ok: true };
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).stack).not.toMatch(/^\s+at /m);
    return { ok: false, issues: (error as ConfigError).issues };
  }
}

const SECTIONS = ['region', 'logLevel', 'delivery', 'uploads', 'schedules', 'alerts', 'scalers', 'images'];
const key = fc.oneof(fc.constantFrom(...SECTIONS, '__proto__', '\u001b[2J'), fc.string({ maxLength: 12 }));
const tree = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    fc.jsonValue({ maxDepth: 1 }),
    fc.array(tie('node'), { maxLength: 3 }),
    fc.dictionary(key, tie('node'), { maxKeys: 4 }),
  ),
})).node;

describe('Config loader fuzz (issue 18)', () => {
  it('answers any YAML tree with a config or one escaped line per problem, never anything else', () => {
    fc.assert(
      fc.property(fc.dictionary(key, tree, { maxKeys: 5 }), (raw) => {
        const verdict = judge(stringify(raw));
        if (verdict.ok) return;
        expect(verdict.issues.length).toBeGreaterThan(0);
        for (const issue of verdict.issues) {
          expect(issue).not.toContain('\n');
          expect(hasUnsafeCharacters(issue)).toBe(false);
        }
      }),
      fuzz(300),
    );
  });

  it('answers any text with a config or escaped problem lines', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        const verdict = judge(text);
        if (!verdict.ok) for (const issue of verdict.issues) expect(hasUnsafeCharacters(issue)).toBe(false);
      }),
      fuzz(300),
    );
  });

  it('never accepts a bucket name S3 forbids, at and around the length limit', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: 0, max: 300 }).map((n) => 'a'.repeat(n)),
          fc.constantFrom('Media_Ingest', 'a'.repeat(255), 'a'.repeat(256), '_media', 'media_'),
          fc.ipV4(),
          fc.string({ maxLength: 70 }),
        ),
        (bucket) => {
          const verdict = judge(stringify({ uploads: [rawTrigger({ bucket })] }));
          // In a us-east-1 stage (the default) a legacy name (upper case, underscores, up to 255) is allowed.
          const allowed =
            /^[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]$/.test(bucket) &&
            !bucket.includes('..') &&
            !/^\d{1,3}(\.\d{1,3}){3}$/.test(bucket) &&
            !/^(xn--|sthree-|amzn-s3-demo-)/.test(bucket) &&
            !/(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(bucket);
          expect(verdict.ok).toBe(allowed);
        },
      ),
      fuzz(300),
    );
  });
});
