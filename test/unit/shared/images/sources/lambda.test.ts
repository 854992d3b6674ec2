import { describe, expect, it } from 'vitest';
import { keptQualifiers } from '../../../../../shared/images/sources/lambda';

describe('Function: keptQualifiers', () => {
  it('keeps $LATEST, every aliased version and the newest N published versions, each with why', () => {
    const kept = keptQualifiers(
      {
        functionName: 'resize',
        versions: ['$LATEST', '1', '2', '3', '10', '11'],
        aliases: [
          { name: 'live', version: '2', weighted: ['3'] },
          { name: 'canary', version: '11', weighted: [] },
        ],
      },
      2,
    );

    expect(Object.fromEntries(kept.map((k) => [k.qualifier, k.reasons]))).toEqual({
      $LATEST: ['$LATEST'],
      '2': ['alias live'],
      '3': ['alias live (weighted routing)'],
      '11': ['alias canary', 'one of the latest 2 versions (#1, newest first)'],
      '10': ['one of the latest 2 versions (#2, newest first)'],
    });
  });

  it('orders versions as numbers, not text, so version 10 is newer than 9', () => {
    const kept = keptQualifiers({ functionName: 'f', versions: ['9', '10', '8'], aliases: [] }, 1);

    expect(kept.map((k) => k.qualifier)).toEqual(['$LATEST', '10']);
  });

  it('keeps only $LATEST and aliases with keepVersions 0', () => {
    const kept = keptQualifiers(
      { functionName: 'f', versions: ['1', '2'], aliases: [{ name: 'a', version: '1', weighted: [] }] },
      0,
    );

    expect(kept.map((k) => k.qualifier)).toEqual(['$LATEST', '1']);
  });
});
