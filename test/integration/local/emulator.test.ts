import { CreateQueueCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Emulator } from '../../../local/emulator';
import {
  emulatorEnv,
  resetEmulator,
  runCfnLint,
  setEmulatorTransition,
  startEmulator,
} from '../../../local/emulator';

function sqsClient(endpoint: string): SQSClient {
  const env = emulatorEnv(endpoint);
  return new SQSClient({
    endpoint: env.AWS_ENDPOINT_URL,
    region: env.AWS_REGION,
    credentials: {
      accessKeyId: env.AWS_ACCESS_KEY_ID ?? 'testing',
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? 'testing',
      sessionToken: env.AWS_SESSION_TOKEN,
    },
  });
}

describe('Module: local/emulator', () => {
  describe('shared emulator from global setup', () => {
    it('answers on 127.0.0.1 at the provided endpoint', async () => {
      const endpoint = inject('emulatorEndpoint');

      const res = await fetch(`${endpoint}/moto-api/`);
      await res.arrayBuffer();

      expect(new URL(endpoint).hostname).toBe('127.0.0.1');
      expect(res.status).toBe(200);
    });
  });

  // A private server, so resetting it cannot wipe state other test files rely on in the shared one.
  describe('private emulator', () => {
    let emulator: Emulator;
    beforeAll(async () => {
      emulator = await startEmulator();
    });
    afterAll(async () => {
      await emulator.stop();
    });

    it('clears all state on resetEmulator', async () => {
      const sqs = sqsClient(emulator.endpoint);
      await sqs.send(new CreateQueueCommand({ QueueName: 'reset-me' }));
      const before = await sqs.send(new ListQueuesCommand({}));

      await resetEmulator(emulator.endpoint);
      const after = await sqs.send(new ListQueuesCommand({}));

      expect(before.QueueUrls).toHaveLength(1);
      expect(after.QueueUrls ?? []).toEqual([]);
    });

    it('stores the transition set with setEmulatorTransition', async () => {
      const transition = { progression: 'manual', times: 2 } as const;

      await setEmulatorTransition(emulator.endpoint, 'ecs::task', transition);
      const res = await fetch(
        `${emulator.endpoint}/moto-api/state-manager/get-transition?model_name=ecs::task`,
      );

      expect(await res.json()).toEqual(transition);
    });
  });

  describe('startEmulator and stop', () => {
    it('starts a second emulator on its own port that refuses connections after stop()', async () => {
      const second = await startEmulator();
      try {
        const alive = await fetch(`${second.endpoint}/moto-api/`);
        await alive.arrayBuffer();

        expect(second.endpoint).not.toBe(inject('emulatorEndpoint'));
        expect(alive.status).toBe(200);
      } finally {
        await second.stop();
      }
      await second.stop(); // idempotent

      await expect(fetch(`${second.endpoint}/moto-api/`)).rejects.toThrow();
      expect(() => process.kill(second.pid, 0)).toThrow();
    });
  });

  describe('runCfnLint', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'ecs-pilot-cfn-lint-'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it.each([
      { name: 'passes a valid template', type: 'AWS::SQS::Queue', ok: true },
      { name: 'fails an invalid resource type', type: 'AWS::SQS::NotAQueue', ok: false },
    ])('$name', async ({ type, ok }) => {
      const path = join(dir, `${type.replaceAll(':', '_')}.yaml`);
      await writeFile(
        path,
        `AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Queue:\n    Type: ${type}\n`,
      );

      const result = await runCfnLint(path);

      expect(result.ok).toBe(ok);
      if (!ok) expect(result.output).toContain('AWS::SQS::NotAQueue');
    });
  });
});
