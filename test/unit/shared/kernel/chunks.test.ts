import { describe, expect, it } from 'vitest';
import { chunks } from '../../../../shared/kernel/chunks';

describe('Function: chunks', () => {
  it.each([
    [0, []],
    [1, [1]],
    [100, [100]],
    [101, [100, 1]],
    [250, [100, 100, 50]],
  ])('splits %i items into slices of at most 100 (%j), in order', (count, sizes) => {
    const items = Array.from({ length: count }, (_, i) => i);

    const result = chunks(items, 100);

    expect(result.map((c) => c.length)).toEqual(sizes);
    expect(result.flat()).toEqual(items);
  });
});
