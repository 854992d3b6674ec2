import { describe, expect, it } from 'vitest';
import { globMatches } from '../../../../shared/images/glob';
import { parseImageReference } from '../../../../shared/images/refs';
import {
  collectUses,
  protectRepository,
  type InUseInventory,
  type RegistryImage,
  type ScannedTaskDefinition,
} from '../../../../shared/images/protect';

const ACCOUNT = '123456789012';
const REGISTRY = `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`;
const REPO = { name: 'app', uri: `${REGISTRY}/app` };
const NOW = new Date('2026-03-28T12:00:00Z');
const digest = (n: number) => `sha256:${String(n).padStart(64, '0')}`;
const image = (n: number, tags: string[] = []): RegistryImage => ({
  imageDigest: digest(n),
  imageTags: tags,
  imagePushedAt: new Date(Date.UTC(2026, 0, n)),
});
const IMAGES = [image(1, ['v1']), image(2, ['v2', 'stable']), image(3), image(4, ['latest'])];
const tdArn = (name: string) => `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/${name}`;
const td = (name: string, ...images: string[]): ScannedTaskDefinition => ({
  taskDefinitionArn: tdArn(name),
  containers: images.map((img, i) => ({ name: `c${i}`, image: img })),
});
const inventory = (over: Partial<InUseInventory> = {}): InUseInventory => ({
  tasks: [],
  services: [],
  revisions: [],
  toolkit: [],
  taskDefinitions: new Map(),
  ...over,
});
const task = (status: string, image: string, extra: Record<string, unknown> = {}) => ({
  taskArn: `arn:aws:ecs:eu-west-1:${ACCOUNT}:task/media/0123abcd`,
  clusterArn: `arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/media`,
  lastStatus: status,
  containers: [{ name: 'web', image, ...extra }],
});
const protectedBy = (inv: InUseInventory, hours = 24) => {
  const { uses, doubts } = collectUses(inv, { now: NOW, stoppedTasksWithinHours: hours });
  const protection = protectRepository(REPO, IMAGES, uses);
  return { ...protection, doubts: [...doubts, ...protection.doubts] };
};

describe('Function: globMatches', () => {
  it.each([
    ['app-*', 'app-api', true],
    ['app-*', 'app-', true],
    ['app-*', 'apps', false],
    ['team/*', 'team/a/b', true],
    ['worker?', 'worker1', true],
    ['worker?', 'worker', false],
    ['*-api', 'media-api', true],
    ['a*b*c', 'axxbyyc', true],
    ['a*b*c', 'axxbyy', false],
    ['worker', 'worker', true],
  ])('%s matches %s: %s', (glob, name, expected) => {
    expect(globMatches(glob, name)).toBe(expected);
  });
});

describe('Function: parseImageReference', () => {
  it.each([
    ['app:v1', { repository: 'app', tag: 'v1' }],
    ['app', { repository: 'app' }],
    [`app@${digest(1)}`, { repository: 'app', digest: digest(1) }],
    [
      `${REGISTRY}/team/app:v1@${digest(2)}`,
      { registry: REGISTRY, repository: 'team/app', tag: 'v1', digest: digest(2) },
    ],
    ['localhost:5000/app:v1', { registry: 'localhost:5000', repository: 'app', tag: 'v1' }],
    ['library/nginx:1.27', { repository: 'library/nginx', tag: '1.27' }],
  ])('parses %s', (text, expected) => {
    expect(parseImageReference(text)).toEqual(expected);
  });

  it.each(['', 'app:', 'a b', 'app@sha256'])('refuses %j', (text) => {
    expect(parseImageReference(text)).toBeUndefined();
  });
});

describe('Function: protectRepository (with collectUses)', () => {
  it('keeps the image a RUNNING task pulled, by the digest ECS reports, and the image its tag names now', () => {
    const { inUse, doubts } = protectedBy(
      inventory({ tasks: [task('RUNNING', `${REGISTRY}/app:latest`, { imageDigest: digest(1) })] }),
    );

    expect([...inUse.keys()].sort()).toEqual([digest(1), digest(4)]);
    expect(inUse.get(digest(1))).toEqual(['used by RUNNING task 0123abcd in cluster media (container web)']);
    // The tag may name an image index whose platform image ECS reports: that index is kept too.
    expect(inUse.get(digest(4))).toEqual([
      'used by RUNNING task 0123abcd in cluster media (container web) (tag latest)',
    ]);
    expect(doubts).toEqual([]);
  });

  it('does not doubt a tag that moved away when ECS reports the digest the task pulled', () => {
    const { inUse, doubts } = protectedBy(
      inventory({ tasks: [task('RUNNING', `${REGISTRY}/app:gone`, { imageDigest: digest(3) })] }),
    );

    expect([...inUse.keys()]).toEqual([digest(3)]);
    expect(doubts).toEqual([]);
  });

  it.each([
    ['the dual-stack endpoint', `${ACCOUNT}.dkr-ecr.eu-west-1.on.aws/app:v1`],
    ['the FIPS endpoint', `${ACCOUNT}.dkr.ecr-fips.eu-west-1.amazonaws.com/app:v1`],
    ['the dual-stack FIPS endpoint', `${ACCOUNT}.dkr-ecr-fips.eu-west-1.on.aws/app:v1`],
    ['an upper-case host', `${ACCOUNT}.DKR.ECR.EU-WEST-1.AMAZONAWS.COM/app:v1`],
    ['an explicit :443', `${REGISTRY}:443/app:v1`],
  ])('keeps an image referenced through %s of the same registry', (_label, ref) => {
    const { inUse, doubts } = protectedBy(inventory({ tasks: [task('RUNNING', ref)] }));

    expect([...inUse.keys()]).toEqual([digest(1)]);
    expect(doubts).toEqual([]);
  });

  it('keeps an image with several tags whole when only one of its tags is referenced', () => {
    const { inUse } = protectedBy(inventory({ tasks: [task('RUNNING', `${REGISTRY}/app:stable`)] }));

    expect([...inUse.keys()]).toEqual([digest(2)]);
  });

  it.each([
    ['an empty image', ''],
    ['a malformed digest naming the repository', `${REGISTRY}/app@sha256`],
    ['an empty tag naming the repository', `${REGISTRY}/app:`],
  ])('holds the repository on %s (the image it uses cannot be known)', (_label, ref) => {
    const { inUse, doubts } = protectedBy(inventory({ tasks: [task('RUNNING', ref)] }));

    expect(inUse.size).toBe(0);
    expect(doubts).toEqual([
      `${JSON.stringify(ref)} (used by RUNNING task 0123abcd in cluster media (container web)) is not an image reference ecs-pilot can read, and may name an image in app`,
    ]);
  });

  it('does not hold the repository on an unreadable reference that cannot be its own', () => {
    const { doubts } = protectedBy(inventory({ tasks: [task('RUNNING', 'other image with spaces')] }));

    expect(doubts).toEqual([]);
  });

  it.each([
    ['a tag', `${REGISTRY}/app:stable`, digest(2), ' (tag stable)'],
    ['a digest', `${REGISTRY}/app@${digest(3)}`, digest(3), ''],
    ['no tag (latest)', `${REGISTRY}/app`, digest(4), ' (tag latest)'],
    ['a bare name', 'app:v1', digest(1), ' (tag v1)'],
  ])('resolves a PENDING task referencing %s', (_label, ref, expected, suffix) => {
    const { inUse } = protectedBy(inventory({ tasks: [task('PENDING', ref)] }));

    expect(inUse.get(expected)).toEqual([
      `used by PENDING task 0123abcd in cluster media (container web)${suffix}`,
    ]);
    expect(inUse.size).toBe(1);
  });

  it('ignores references to other repositories and registries', () => {
    const { inUse, doubts } = protectedBy(
      inventory({
        tasks: [
          task('RUNNING', `${REGISTRY}/other:v1`),
          task('RUNNING', `999999999999.dkr.ecr.eu-west-1.amazonaws.com/app:v1`),
          // The same name in another region of the same account is another repository.
          task('RUNNING', `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/app:v1`),
          task('RUNNING', `${ACCOUNT}.dkr-ecr.us-east-1.on.aws/app:gone`),
          task('RUNNING', 'public.ecr.aws/nginx/nginx:1'),
        ],
      }),
    );

    expect(inUse.size).toBe(0);
    expect(doubts).toEqual([]);
  });

  it('keeps images of tasks stopped within the window, not those stopped before it', () => {
    const stopped = (hoursAgo: number, n: number) => ({
      ...task('STOPPED', `${REGISTRY}/app@${digest(n)}`),
      stoppedAt: new Date(NOW.getTime() - hoursAgo * 3_600_000),
    });

    const { inUse } = protectedBy(inventory({ tasks: [stopped(23.5, 1), stopped(24.5, 2)] }), 24);

    expect([...inUse.keys()]).toEqual([digest(1)]);
    expect(inUse.get(digest(1))![0]).toBe(
      'used by task 0123abcd in cluster media, stopped 23h 30m ago (within 24 h) (container web)',
    );
  });

  it('keeps a stopped task without a stop time (unless the window is 0)', () => {
    const inv = inventory({ tasks: [task('STOPPED', `${REGISTRY}/app:v1`)] });

    expect(protectedBy(inv, 24).inUse.has(digest(1))).toBe(true);
    expect(protectedBy(inv, 0).inUse.size).toBe(0);
  });

  it('keeps the images of every service deployment, PRIMARY and ACTIVE', () => {
    const { inUse } = protectedBy(
      inventory({
        services: [
          {
            serviceArn: `arn:aws:ecs:eu-west-1:${ACCOUNT}:service/api/web`,
            clusterArn: `arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/api`,
            deployments: [
              { status: 'PRIMARY', taskDefinition: tdArn('web:8') },
              { status: 'ACTIVE', taskDefinition: tdArn('web:7') },
            ],
          },
        ],
        taskDefinitions: new Map([
          [tdArn('web:8'), td('web:8', `${REGISTRY}/app:v2`)],
          [tdArn('web:7'), td('web:7', `${REGISTRY}/app:v1`)],
        ]),
      }),
    );

    expect(inUse.get(digest(2))).toEqual([
      'used by service web in cluster api (PRIMARY deployment): web:8, container c0 (tag v2)',
    ]);
    expect(inUse.get(digest(1))).toEqual([
      'used by service web in cluster api (ACTIVE deployment): web:7, container c0 (tag v1)',
    ]);
  });

  it('keeps the images of the latest revisions and of the toolkit’s own task definitions', () => {
    const { inUse } = protectedBy(
      inventory({
        revisions: [{ family: 'batch', taskDefinitionArns: [tdArn('batch:4'), tdArn('batch:3')] }],
        toolkit: [{ source: 'schedule hourly-report', taskDefinitionArn: tdArn('reporter:2') }],
        taskDefinitions: new Map([
          [tdArn('batch:4'), td('batch:4', `${REGISTRY}/app@${digest(3)}`)],
          [tdArn('batch:3'), td('batch:3', `${REGISTRY}/app:v1`)],
          [tdArn('reporter:2'), td('reporter:2', 'sidecar:1', `${REGISTRY}/app:latest`)],
        ]),
      }),
    );

    expect(inUse.get(digest(3))).toEqual([
      'in one of the latest 2 revisions of batch (#1, newest first): batch:4, container c0',
    ]);
    expect(inUse.get(digest(1))).toEqual([
      'in one of the latest 2 revisions of batch (#2, newest first): batch:3, container c0 (tag v1)',
    ]);
    expect(inUse.get(digest(4))).toEqual([
      "started by ecs-pilot's schedule hourly-report: reporter:2, container c1 (tag latest)",
    ]);
  });

  it('doubts a tag no image carries, and a task definition that was not scanned', () => {
    const { doubts } = protectedBy(
      inventory({
        tasks: [task('RUNNING', `${REGISTRY}/app:gone`)],
        toolkit: [{ source: 'uploads trigger thumbnails', taskDefinitionArn: tdArn('thumbnailer:1') }],
      }),
    );

    expect(doubts).toEqual([
      "task definition thumbnailer:1 (started by ecs-pilot's uploads trigger thumbnails) was not scanned: its images are unknown",
      `${REGISTRY}/app:gone (used by RUNNING task 0123abcd in cluster media (container web)) names tag gone, which no image in app carries: the image it uses cannot be known`,
    ]);
  });

  it('does not doubt a digest that is no longer in the repository (nothing left to protect)', () => {
    const { inUse, doubts } = protectedBy(
      inventory({ tasks: [task('RUNNING', `${REGISTRY}/app@${digest(99)}`)] }),
    );

    expect(inUse.size).toBe(0);
    expect(doubts).toEqual([]);
  });
});

describe('Broken references (issue 19, finding 2)', () => {
  it('reports a task definition revision whose tag no image carries, instead of holding the repository', () => {
    const batch = td('batch:3', `${REGISTRY}/app:removed`);
    const { doubts, broken } = protectedBy(
      inventory({
        revisions: [{ family: 'batch', taskDefinitionArns: [batch.taskDefinitionArn] }],
        taskDefinitions: new Map([[batch.taskDefinitionArn, batch]]),
      }),
    );

    expect(doubts).toEqual([]);
    expect(broken).toEqual([
      {
        taskDefinition: 'batch:3',
        container: 'c0',
        image: `${REGISTRY}/app:removed`,
        tag: 'removed',
        reason: 'in one of the latest 1 revisions of batch (#1, newest first)',
      },
    ]);
  });

  it('reports a reference once, however many users share its task definition', () => {
    const web = td('web:4', `${REGISTRY}/app:removed`);
    const { broken } = protectedBy(
      inventory({
        services: [
          {
            serviceArn: `arn:aws:ecs:eu-west-1:${ACCOUNT}:service/media/web`,
            clusterArn: `arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/media`,
            deployments: [{ status: 'PRIMARY', taskDefinition: web.taskDefinitionArn }],
          },
        ],
        revisions: [{ family: 'web', taskDefinitionArns: [web.taskDefinitionArn] }],
        taskDefinitions: new Map([[web.taskDefinitionArn, web]]),
      }),
    );

    expect(broken!.map((b) => `${b.taskDefinition} ${b.container} ${b.tag}`)).toEqual(['web:4 c0 removed']);
  });
});
