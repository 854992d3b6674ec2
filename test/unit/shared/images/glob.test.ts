import { describe, expect, it } from 'vitest';
import { anyGlobMatches, globMatches } from '../../../../shared/images/glob';

describe('Function: globMatches', () => {
  it.each([
    // IAM's wildcards: `*` is any run, `/` included; `?` is exactly one character.
    ['*', '', true],
    ['*', 'team/app', true],
    ['**', 'app', true],
    ['?', '', false],
    ['?', 'a', true],
    ['??', 'a', false],
    ['team/?pp', 'team/app', true],
    ['*/api', 'a/b/api', true],
    ['a*?', 'ab', true],
    ['a*?', 'a', false],
    ['a*a', 'a', false],
    ['*a', 'banana', true],
    ['*an*', 'banana', true],
    ['app*', 'ap', false],
    ['', '', true],
    ['', 'app', false],
  ])('%j matches %j: %s', (glob, name, expected) => {
    expect(globMatches(glob, name)).toBe(expected);
  });

  it.each([
    ['app.api', 'appxapi'],
    ['app+', 'appp'],
    ['[a]pp', 'app'],
    ['app$', 'app'],
  ])('reads %j literally, not as a regular expression (no match for %j)', (glob, name) => {
    expect(globMatches(glob, name)).toBe(false);
    expect(globMatches(glob, glob)).toBe(true);
  });

  it('is case-sensitive, as repository names and IAM resource ARNs are', () => {
    expect(globMatches('app-*', 'App-api')).toBe(false);
  });

  it('answers a pathological pattern at once instead of backtracking exponentially', () => {
    // Prepare: a recursive matcher tries every split of 400 characters among 20 stars.
    const glob = `${'*a'.repeat(20)}b`;
    const name = 'a'.repeat(400);

    // Act
    const started = performance.now();
    const matched = globMatches(glob, name);
    const elapsed = performance.now() - started;

    // Assess
    expect(matched).toBe(false);
    expect(globMatches(glob, `${name}b`)).toBe(true);
    expect(elapsed).toBeLessThan(1_000);
  });
});

describe('Function: anyGlobMatches', () => {
  it.each([
    [[], 'app', false],
    [['web-*', 'worker?'], 'worker1', true],
    [['web-*', 'worker?'], 'worker10', false],
    [['team/*'], 'team/app', true],
  ])('%j match %j: %s', (globs, name, expected) => {
    expect(anyGlobMatches(globs, name)).toBe(expected);
  });
});
