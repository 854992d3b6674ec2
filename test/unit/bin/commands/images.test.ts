import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { parse } from 'yaml';
import {
  BatchDeleteImageCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  PutLifecyclePolicyCommand,
} from '@aws-sdk/client-ecr';
import { ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs';
import { groupRepositories, images } from '../../../../bin/commands/images';
import { imagesSchema } from '../../../../shared/images/config';

const ecr = mockClient(ECRClient);
const ecs = mockClient(ECSClient);
const A = 'arn:aws:ecs:eu-west-1:123456789012';

async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await images(args, { log: (l) => out.push(l), error: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

afterEach(() => {
  ecr.reset();
  ecs.reset();
});

describe('Function: groupRepositories', () => {
  it('groups by path segment, then by dash prefix shared by two or more, and leaves the rest alone', () => {
    expect(groupRepositories(['team/web', 'app-api', 'tools', 'team/worker', 'app-web', 'solo-1'])).toEqual([
      { match: 'app-*', repositories: ['app-api', 'app-web'] },
      { match: 'solo-1', repositories: ['solo-1'] },
      { match: 'team/*', repositories: ['team/web', 'team/worker'] },
      { match: 'tools', repositories: ['tools'] },
    ]);
  });
});

describe('Command: ecs-pilot images generate', () => {
  it('prints a valid images section in preview mode, with the repositories grouped and the clusters found', async () => {
    ecr.on(DescribeRepositoriesCommand).resolves({
      repositories: ['app-api', 'app-web', 'team/worker'].map((repositoryName) => ({
        repositoryName,
        repositoryUri: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/${repositoryName}`,
      })),
    });
    ecs
      .on(ListClustersCommand, { nextToken: undefined })
      .resolves({ clusterArns: [`${A}:cluster/prod`], nextToken: 'n' })
      .on(ListClustersCommand, { nextToken: 'n' })
      .resolves({ clusterArns: [`${A}:cluster/media`] });

    const { code, out } = await run('generate');

    expect(code).toBe(0);
    expect(out).toContain('# Clusters found: media, prod.');
    const section = imagesSchema.parse(parse(out).images);
    expect(section.mode).toBe('preview');
    expect(section.protect.clusters).toBeUndefined();
    expect(section.repositories.map((r) => r.match)).toEqual([['app-*'], ['team/*']]);
    expect(ecr.commandCalls(BatchDeleteImageCommand)).toHaveLength(0);
    expect(ecr.commandCalls(PutLifecyclePolicyCommand)).toHaveLength(0);
  });

  it('exits 1 naming the call when the account cannot be read, and 2 on a usage error', async () => {
    ecr
      .on(DescribeRepositoriesCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));

    expect(await run('generate')).toMatchObject({
      code: 1,
      err: expect.stringMatching(
        /^cannot read the account: .*DescribeRepositories: AccessDeniedException: denied$/,
      ),
    });
    expect((await run('generat')).code).toBe(2);
    expect((await run('generate', 'extra')).err).toContain('unexpected argument "extra"');
  });
});
