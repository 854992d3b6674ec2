import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../shared/config/load';
import { configWarnings, looksLikeSecretName } from '../../../../shared/config/warnings';
import { rawTask } from '../fixtures';

describe('Function: looksLikeSecretName', () => {
  it.each([
    'PASSWORD',
    'DB_PASSWORD',
    'API_KEY',
    'GITHUB_TOKEN',
    'CLIENT_SECRET',
    'key',
    'dbPassword',
    'SECRET_ACCESS_KEY_ID',
  ])('flags %s', (name) => {
    expect(looksLikeSecretName(name)).toBe(true);
  });

  it.each(['KEYBOARD_LAYOUT', 'MONKEY', 'TOKENIZER', 'PASSWORDLESS', 'SECRETARY_NAME', 'REGION', 'keyboard'])(
    'does not flag %s, where the word is only part of a name part',
    (name) => {
      expect(looksLikeSecretName(name)).toBe(false);
    },
  );
});

describe('Function: configWarnings', () => {
  const config = (environment: Record<string, string>) =>
    parseConfig({
      uploads: [{ name: 'up', bucket: 'media-ingest', task: { ...rawTask, environment } }],
      schedules: [{ name: 'nightly', schedule: 'rate(1 day)', task: { ...rawTask, environment } }],
    });

  it('warns on a fixed value under a secret-like name, per automation, pointing at task definition secrets', () => {
    expect(configWarnings(config({ DB_PASSWORD: 'hunter2', REGION: 'eu-west-1' }))).toStrictEqual([
      'uploads[0].task.environment.DB_PASSWORD: looks like a secret in plaintext (in the config, the packaged stack and every RunTask request); give it to container app in uploads[0].task.secrets (from SSM Parameter Store or Secrets Manager, read at task start) instead',
      'schedules[0].task.environment.DB_PASSWORD: looks like a secret in plaintext (in the config, the packaged stack and every RunTask request); give it to container app in schedules[0].task.secrets (from SSM Parameter Store or Secrets Manager, read at task start) instead',
    ]);
  });

  it('does not warn on a value filled from placeholders (the uploaded object key is no secret)', () => {
    const uploads = parseConfig({
      uploads: [
        { name: 'up', bucket: 'media-ingest', task: { ...rawTask, environment: { INPUT_KEY: '{key}' } } },
      ],
    });

    expect(configWarnings(uploads)).toStrictEqual([]);
  });

  it('does not warn on an empty value', () => {
    expect(configWarnings(config({ API_TOKEN: '' }))).toStrictEqual([]);
  });
});

describe('Function: configWarnings for batching', () => {
  const config = (roles: Record<string, string>) =>
    parseConfig({
      uploads: [
        {
          name: 'thumbs',
          bucket: 'media-ingest',
          batch: { maxObjects: 10 },
          task: { ...rawTask, environment: { IN: '{bucket}' }, roles },
        },
      ],
    });

  it('warns that a batch task without a task role cannot read its manifest from S3', () => {
    expect(configWarnings(config({}))).toEqual([
      expect.stringMatching(/^uploads\[0\]\.task\.roles\.task: a batch's task reads its manifest/),
    ]);
  });

  it('does not warn when the trigger has a task role (the manifest bucket policy grants it)', () => {
    expect(configWarnings(config({ task: 'thumbs-task' }))).toEqual([]);
  });
});
