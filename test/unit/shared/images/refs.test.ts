import { describe, expect, it } from 'vitest';
import {
  parseImageReference,
  referencesRepository,
  registryKey,
  type ImageReference,
} from '../../../../shared/images/refs';

const ACCOUNT = '123456789012';
const REGISTRY = `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`;
const DIGEST = `sha256:${'a'.repeat(64)}`;
const REPOSITORY = { name: 'team/app', uri: `${REGISTRY}/team/app` };

describe('Function: parseImageReference', () => {
  it.each([
    [
      'a registry with a port and no tag',
      'localhost:5000/app',
      { registry: 'localhost:5000', repository: 'app' },
    ],
    [
      'a registry host with a port and a tag',
      'registry.example.com:443/team/app:2',
      {
        registry: 'registry.example.com:443',
        repository: 'team/app',
        tag: '2',
      },
    ],
    [
      'an upper-case registry (lower-cased: hosts are case-insensitive)',
      `${ACCOUNT}.DKR.ECR.EU-WEST-1.AMAZONAWS.COM/app:v1`,
      {
        registry: REGISTRY,
        repository: 'app',
        tag: 'v1',
      },
    ],
    [
      'a first path component without . or : (a path, not a registry)',
      'team/app:v1',
      { repository: 'team/app', tag: 'v1' },
    ],
    ['surrounding whitespace', '  app:v1\n', { repository: 'app', tag: 'v1' }],
    ['a tag and a digest', `app:1.2@${DIGEST}`, { repository: 'app', tag: '1.2', digest: DIGEST }],
    [
      'a digest of another algorithm',
      'app@sha512+b64:AbC=',
      { repository: 'app', digest: 'sha512+b64:AbC=' },
    ],
  ])('reads %s', (_label, text, expected) => {
    expect(parseImageReference(text)).toStrictEqual(expected);
  });

  it.each([
    ['whitespace only', '   '],
    ['inner whitespace', 'app :v1'],
    ['an empty tag', 'team/app:'],
    ['a digest without an algorithm', 'app@abc'],
    ['an upper-case digest algorithm', 'app@SHA256:abc'],
    ['an empty digest', 'app@'],
    ['a digest without a repository', `@${DIGEST}`],
    ['a registry without a repository', 'registry.example.com/'],
    ['a tag without a repository', ':v1'],
  ])('is undefined for %s', (_label, text) => {
    expect(parseImageReference(text)).toBeUndefined();
  });
});

describe('Function: registryKey', () => {
  it.each([
    ['the standard endpoint', REGISTRY],
    ['the standard endpoint with :443', `${REGISTRY}:443`],
    ['the dual-stack endpoint', `${ACCOUNT}.dkr-ecr.eu-west-1.on.aws`],
    ['the FIPS endpoint', `${ACCOUNT}.dkr.ecr-fips.eu-west-1.amazonaws.com`],
    ['an upper-case host', REGISTRY.toUpperCase()],
  ])('reads %s as account/region', (_label, host) => {
    expect(registryKey(host)).toBe(`${ACCOUNT}/eu-west-1`);
  });

  it.each([
    [`${ACCOUNT}.dkr.ecr.cn-north-1.amazonaws.com.cn`, `${ACCOUNT}/cn-north-1`],
    [`${ACCOUNT}.dkr.ecr.us-iso-east-1.c2s.ic.gov`, `${ACCOUNT}/us-iso-east-1`],
    [`${ACCOUNT}.dkr.ecr.us-isob-east-1.sc2s.sgov.gov`, `${ACCOUNT}/us-isob-east-1`],
  ])('reads the partition endpoint %s as %s', (host, key) => {
    expect(registryKey(host)).toBe(key);
  });

  it.each([
    ['another registry', 'Ghcr.IO', 'ghcr.io'],
    ['an ECR-like host on another port', `${REGISTRY}:5000`, `${REGISTRY}:5000`],
    [
      'an account id that is not 12 digits',
      '12345.dkr.ecr.eu-west-1.amazonaws.com',
      '12345.dkr.ecr.eu-west-1.amazonaws.com',
    ],
  ])('keeps %s as the lower-cased host', (_label, host, key) => {
    expect(registryKey(host)).toBe(key);
  });
});

describe('Function: referencesRepository', () => {
  const ref = (text: string): ImageReference => parseImageReference(text)!;

  it.each([
    ['a bare name equal to the repository name', 'team/app:v1'],
    ['the repository URI', `${REGISTRY}/team/app:v1`],
    ['the dual-stack endpoint', `${ACCOUNT}.dkr-ecr.eu-west-1.on.aws/team/app@${DIGEST}`],
    ['the FIPS endpoint with :443', `${ACCOUNT}.dkr.ecr-fips.eu-west-1.amazonaws.com:443/team/app:v1`],
  ])('holds for %s', (_label, text) => {
    expect(referencesRepository(ref(text), REPOSITORY)).toBe(true);
  });

  it.each([
    ['another repository name', `${REGISTRY}/team/web:v1`],
    ['a bare name that only ends like the repository', 'app:v1'],
    ['the same path in another account', `210987654321.dkr.ecr.eu-west-1.amazonaws.com/team/app:v1`],
    ['the same path in another region', `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/team/app:v1`],
    ['the same path in another registry', 'registry.example.com/team/app:v1'],
  ])('does not hold for %s', (_label, text) => {
    expect(referencesRepository(ref(text), REPOSITORY)).toBe(false);
  });

  it('does not hold for a registry reference when the repository URI has no registry part', () => {
    expect(referencesRepository(ref(`${REGISTRY}/app:v1`), { name: 'app', uri: 'app' })).toBe(false);
  });
});
