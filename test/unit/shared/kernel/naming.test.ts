import { describe, expect, it } from 'vitest';
import { pascal } from '../../../../shared/kernel/naming';

describe('Function: pascal', () => {
  it.each([
    ['media-ingest', 'MediaIngest'],
    ['thumbnails', 'Thumbnails'],
    ['a', 'A'],
    ['v2-beta', 'V2Beta'],
    ['video-4k-hdr', 'Video4kHdr'],
    ['x--y', 'XY'],
  ])('turns %s into %s', (name, expected) => {
    expect(pascal(name)).toBe(expected);
  });
});
