import { writeFileSync } from 'node:fs';
import { DescribeRegistryCommand } from '@aws-sdk/client-ecr';
import { errorMessage } from '../../shared/kernel/errors.js';
import {
  ecrClient,
  ecsClient,
  eventBridgeClient,
  lambdaClient,
  s3Client,
  schedulerClient,
} from '../../shared/kernel/aws/clients.js';
import { IMAGES_DEFAULTS } from '../../shared/images/config.js';
import { EcsInUseScanner } from '../../shared/images/aws/scan.js';
import { accountSources, scanOptions } from '../../shared/images/aws/sources.js';
import { writeScanObject } from '../../shared/images/aws/scan-files.js';
import { collectUses } from '../../shared/images/protect.js';
import { buildScanFile, parseS3Uri, type ScanFile } from '../../shared/images/scan-file.js';
import { scanSources } from '../../shared/images/sources/port.js';

export interface Out {
  log(line: string): void;
  error(line: string): void;
}

/**
 * This account's scan, with the defaults of `images.protect` (every cluster, the latest 5 revisions,
 * tasks stopped within 24 h, image functions, rules on the default bus, every Scheduler schedule):
 * what a deployed run of ecs-pilot would write to its `scanOutput`. Read-only.
 */
export async function scanAccount(now: Date): Promise<ScanFile> {
  const ecr = ecrClient();
  const { registryId } = await ecr.send(new DescribeRegistryCommand({}));
  const region = await ecr.config.region();
  if (!registryId) throw new Error('DescribeRegistry named no account');
  const { protect } = IMAGES_DEFAULTS;
  const ecs = ecsClient();
  const scanner = new EcsInUseScanner(ecs, scanOptions({ ...protect, clusters: undefined }, []));
  const collected = collectUses(await scanner.scan(), {
    now,
    stoppedTasksWithinHours: protect.stoppedTasksWithinHours,
  });
  const clients = { lambda: lambdaClient(), events: eventBridgeClient(), scheduler: schedulerClient(), ecs };
  collected.uses.push(...(await scanSources(accountSources(protect, clients))));
  return buildScanFile({ account: registryId, region, scannedAt: now, ...collected });
}

/** `ecs-pilot images scan --output FILE|s3://…`; returns the exit code. */
export async function imagesScan(output: string, out: Out, now = new Date()): Promise<number> {
  const s3 = output.startsWith('s3://');
  if (s3 && !parseS3Uri(output)) {
    out.error(`--output ${output}: not an s3://<bucket>/<key> URI (a key without spaces, *, ? or $)`);
    return 2;
  }
  let file: ScanFile;
  try {
    file = await scanAccount(now);
  } catch (error) {
    out.error(`cannot scan the account: ${errorMessage(error)}`);
    return 1;
  }
  const text = JSON.stringify(file);
  try {
    if (s3) await writeScanObject(s3Client(), output, text);
    else writeFileSync(output, `${text}\n`);
  } catch (error) {
    out.error(`cannot write ${output}: ${errorMessage(error)}`);
    return 1;
  }
  out.log(
    `scan of account ${file.account} (${file.region}) at ${file.scannedAt}: ${file.images.length} image reference(s) in use, written to ${output}`,
  );
  if (file.doubts.length > 0) {
    out.error(
      `the scan reports ${file.doubts.length} doubt(s); runs reading it delete nothing until they are gone: ${file.doubts.slice(0, 3).join('; ')}`,
    );
    return 1;
  }
  return 0;
}
