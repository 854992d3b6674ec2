import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { CreateRepositoryCommand } from '@aws-sdk/client-ecr';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { emulatorClients } from '../../../../../local/harness.js';
import { emulatorEnv, resetEmulator } from '../../../../../local/emulator.js';
import { registerTaskDefinition } from '../../../../../local/ecs.js';
import { pushImage } from '../../../../../local/images.js';
import { projectRoot } from '../../../../../local/package.js';
import { ecrRegistry } from '../../../../../shared/images/aws/ecr.js';
import { ScanFileSource } from '../../../../../shared/images/aws/scan-files.js';
import { protectRepository } from '../../../../../shared/images/protect.js';

const BUCKET = 'shared-scans';

/**
 * Scan files through the emulator's S3: the real CLI (`ecs-pilot images scan`) scans the emulated
 * account (DescribeRegistry, ECS, Lambda, EventBridge, Scheduler) and puts the file; a run's
 * ScanFileSource reads it back and keeps the image the scanned account uses. Both accounts are the
 * emulator's one account here; the account and Region in the file are what DescribeRegistry and the
 * client say.
 */
describe('Adapter: ScanFileSource and `ecs-pilot images scan` (against the emulator)', () => {
  let clients: ReturnType<typeof emulatorClients>;
  let endpoint: string;
  let uri: string;
  const digests: string[] = [];

  beforeAll(async () => {
    endpoint = inject('emulatorEndpoint');
    await resetEmulator(endpoint);
    clients = emulatorClients(endpoint);
    await clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const { repository } = await clients.ecr.send(
      new CreateRepositoryCommand({ repositoryName: 'scan-shared' }),
    );
    uri = repository!.repositoryUri!;
    for (const n of [1, 2]) digests.push(await pushImage(clients.ecr, 'scan-shared', 970 + n, `v${n}`));
    await registerTaskDefinition(clients.ecs, 'scan-web', 'web', `${uri}:v1`);
  });

  it('writes the account’s scan with the CLI, and a run reading it keeps the image a task definition there names', async () => {
    const cli = spawnSync(
      'node',
      ['bin/ecs-pilot.mjs', 'images', 'scan', '--output', `s3://${BUCKET}/account-b.json`],
      {
        cwd: projectRoot,
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, ...emulatorEnv(endpoint) },
      },
    );
    expect(cli.stderr).toBe('');
    expect(cli.stdout).toMatch(
      /^scan of account 123456789012 \(us-east-1\) at .*: 1 image reference\(s\) in use, written to s3:\/\/shared-scans\/account-b.json\n$/,
    );
    expect(cli.status).toBe(0);

    const uses = await new ScanFileSource(clients.s3, `s3://${BUCKET}/account-b.json`, {
      maxAgeHours: 36,
    }).uses();
    const images = await ecrRegistry(clients.ecr, ['scan-shared']).listImages('scan-shared');
    const { inUse, doubts } = protectRepository({ name: 'scan-shared', uri }, images, uses);

    expect(doubts).toEqual([]);
    expect([...inUse.keys()]).toEqual([digests[0]]);
    expect(inUse.get(digests[0]!)).toEqual([
      expect.stringMatching(
        /^in one of the latest 1 revisions of scan-web .* in account 123456789012 \(us-east-1\), per s3:\/\/shared-scans\/account-b.json/,
      ),
    ]);
  });

  it('refuses a scan file that is missing or not a scan, naming it', async () => {
    await clients.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'junk.json', Body: '{"images": []}' }));

    await expect(
      new ScanFileSource(clients.s3, `s3://${BUCKET}/none.json`, { maxAgeHours: 36 }).uses(),
    ).rejects.toThrow(/s3:\/\/shared-scans\/none.json: cannot be read \(GetObject: NoSuchKey/);
    await expect(
      new ScanFileSource(clients.s3, `s3://${BUCKET}/junk.json`, { maxAgeHours: 36 }).uses(),
    ).rejects.toThrow(/junk.json: not an ecs-pilot scan file/);
  });
});
