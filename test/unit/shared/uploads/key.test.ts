import { describe, expect, it } from 'vitest';
import {
  formDecode,
  keyReadings,
  planKeyResolution,
  resolveKey,
  type KeyLookup,
  type KeyPlan,
} from '../../../../shared/uploads/key';
import { uploadedObject, uploadTrigger } from '../fixtures';

const incoming = uploadTrigger({ name: 'thumbnails', prefix: 'incoming/' });

describe('Function: formDecode', () => {
  it.each([
    ['incoming/a%2Bb+c.jpg', 'incoming/a+b c.jpg'],
    ['incoming/red+flower.jpg', 'incoming/red flower.jpg'],
    ['incoming/%C3%A9t%C3%A9+2026/x.jpg', 'incoming/été 2026/x.jpg'],
    ['incoming/%F0%9F%98%80.jpg', 'incoming/😀.jpg'],
    ['incoming/plain.jpg', 'incoming/plain.jpg'],
  ])('reads %j as %j', (key, decoded) => {
    expect(formDecode(key)).toBe(decoded);
  });

  it.each(['incoming/100%.jpg', 'incoming/%zz.jpg', 'incoming/%E9.jpg', 'incoming/%C3.jpg'])(
    'finds no form-decoded reading of %j (malformed %)',
    (key) => {
      expect(formDecode(key)).toBeUndefined();
    },
  );
});

describe('Function: keyReadings', () => {
  it.each<[string, string[]]>([
    ['incoming/plain.jpg', ['incoming/plain.jpg']],
    ['incoming/été 2026/a:b 😀.jpg', ['incoming/été 2026/a:b 😀.jpg']],
    ['incoming/a+b c.jpg', ['incoming/a+b c.jpg', 'incoming/a b c.jpg']],
    ['incoming/a%2Bb+c.jpg', ['incoming/a%2Bb+c.jpg', 'incoming/a+b c.jpg']],
    [
      'incoming/été 2026/a+b%20c:d 😀.jpg',
      ['incoming/été 2026/a+b%20c:d 😀.jpg', 'incoming/été 2026/a b c:d 😀.jpg'],
    ],
    ['incoming/100%.jpg', ['incoming/100%.jpg']],
    ['incoming/100%+.jpg', ['incoming/100%+.jpg']],
    ['+', ['+', ' ']],
    ['%41', ['%41', 'A']],
  ])('gives %j the readings %j', (key, readings) => {
    expect(keyReadings(key)).toEqual(readings);
  });

  it('gives one reading for every key without + or %', () => {
    for (let code = 0x20; code < 0x7f; code++) {
      const char = String.fromCharCode(code);
      if (char === '+' || char === '%') continue;
      expect(keyReadings(`incoming/${char}.jpg`)).toEqual([`incoming/${char}.jpg`]);
    }
  });
});

describe('Function: planKeyResolution', () => {
  it('uses a key that reads the same both ways, without a lookup', () => {
    expect(planKeyResolution([incoming], uploadedObject({ key: 'incoming/a b.jpg' }))).toEqual({
      action: 'use',
      key: 'incoming/a b.jpg',
      reason: 'the key reads the same raw and form-decoded',
    });
  });

  it('looks up both readings when a trigger takes both', () => {
    expect(planKeyResolution([incoming], uploadedObject({ key: 'incoming/a%2Bb+c.jpg' }))).toEqual({
      action: 'lookup',
      candidates: ['incoming/a%2Bb+c.jpg', 'incoming/a+b c.jpg'],
      lookup: ['incoming/a%2Bb+c.jpg', 'incoming/a+b c.jpg'],
    });
  });

  it('looks up only the reading a trigger takes (IAM allows no other)', () => {
    // Prepare: the prefix has a space, so only the decoded reading is under it.
    const spaced = uploadTrigger({ name: 'spaced', prefix: 'in coming/' });

    // Act & Assess
    expect(planKeyResolution([spaced], uploadedObject({ key: 'in+coming/a.jpg' }))).toEqual({
      action: 'lookup',
      candidates: ['in+coming/a.jpg', 'in coming/a.jpg'],
      lookup: ['in coming/a.jpg'],
    });
  });

  it.each([
    ['another bucket', uploadedObject({ bucket: 'other-bucket', key: 'incoming/a+b.jpg' })],
    ['another prefix', uploadedObject({ key: 'docs/a+b.jpg' })],
  ])('uses the raw key without a lookup when no trigger takes either reading (%s)', (_name, object) => {
    expect(planKeyResolution([incoming], object)).toEqual({
      action: 'use',
      key: object.key,
      reason: 'no trigger takes either reading of the key',
    });
  });
});

describe('Function: resolveKey', () => {
  const RAW = 'incoming/a%2Bb+c.jpg';
  const DECODED = 'incoming/a+b c.jpg';
  const both: Extract<KeyPlan, { action: 'lookup' }> = {
    action: 'lookup',
    candidates: [RAW, DECODED],
    lookup: [RAW, DECODED],
  };
  const NAMES = `raw "${RAW}", form-decoded "${DECODED}"`;
  const outcomes: KeyLookup[] = ['exists', 'absent', 'forbidden'];

  /** Every combination of what S3 can say about the two readings, and what must follow. */
  const expected = (raw: KeyLookup, decoded: KeyLookup) => {
    if (raw === 'forbidden' || decoded === 'forbidden') return 'fail';
    if (raw === 'exists' && decoded === 'exists') return 'fail';
    if (raw === 'exists') return RAW;
    if (decoded === 'exists') return DECODED;
    return 'fail';
  };
  const table = outcomes.flatMap((raw) => outcomes.map((decoded) => [raw, decoded, expected(raw, decoded)]));

  it.each(table)('with the raw reading %s and the decoded one %s: %s', (raw, decoded, outcome) => {
    const resolution = resolveKey(both, { [RAW]: raw as KeyLookup, [DECODED]: decoded as KeyLookup });

    if (outcome === 'fail') {
      expect(resolution.action).toBe('fail');
      // The dead-letter reason names both candidates.
      expect(resolution).toMatchObject({ reason: expect.stringContaining(NAMES) });
    } else {
      expect(resolution).toEqual({
        action: 'use',
        key: outcome,
        reason: `only "${outcome}" exists (${NAMES})`,
      });
    }
  });

  it('says neither exists, naming both', () => {
    expect(resolveKey(both, { [RAW]: 'absent', [DECODED]: 'absent' })).toEqual({
      action: 'fail',
      reason: `neither reading of the key exists (${NAMES})`,
    });
  });

  it('says both exist, naming both', () => {
    expect(resolveKey(both, { [RAW]: 'exists', [DECODED]: 'exists' })).toEqual({
      action: 'fail',
      reason: `both readings of the key exist, cannot tell which was uploaded (${NAMES})`,
    });
  });

  it('says which lookup was refused', () => {
    expect(resolveKey(both, { [RAW]: 'absent', [DECODED]: 'forbidden' })).toEqual({
      action: 'fail',
      reason: `cannot tell which object the event names (${NAMES}): HeadObject was refused for "${DECODED}"`,
    });
  });

  describe('with only one reading looked up', () => {
    const one: Extract<KeyPlan, { action: 'lookup' }> = { ...both, lookup: [DECODED] };

    it('uses it when it exists', () => {
      expect(resolveKey(one, { [DECODED]: 'exists' })).toMatchObject({ action: 'use', key: DECODED });
    });

    it('skips the event when it does not exist: the object is the other, which no trigger takes', () => {
      expect(resolveKey(one, { [DECODED]: 'absent' })).toEqual({
        action: 'skip',
        reason: `"${DECODED}" does not exist, so the object is "${RAW}", which no trigger takes`,
      });
    });

    it('fails when the lookup is refused', () => {
      expect(resolveKey(one, { [DECODED]: 'forbidden' }).action).toBe('fail');
    });
  });
});
