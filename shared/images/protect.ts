/**
 * In-use protection: which images of a repository something still uses, and who. Pure: the scanner
 * (shared/images/aws/scan.ts) reads ECS; this turns what it found into protected digests with reasons.
 *
 * An image is in use when it is referenced — by tag or by digest, tags resolved through the
 * repository's own image list — by a task that has not stopped, a task stopped within the window, any
 * deployment (PRIMARY, ACTIVE, …) or task set of a service in the protected clusters, one of the latest
 * N revisions of an ACTIVE family, or a task definition the toolkit's uploads and schedules start.
 * When a reference cannot be resolved to an image, the repository is in doubt and nothing in it may
 * be deleted (ecrm's rule: abort rather than guess).
 */
import { INDEX_MEDIA_TYPES, type LifecycleImage } from './images.js';
import { parseImageReference, referencesRepository, type RepositoryIdentity } from './refs.js';

/** One image of a repository, as DescribeImages lists it. */
export interface RegistryImage extends LifecycleImage {
  /** imageManifestMediaType: tells image indexes (multi-architecture) from single manifests. */
  manifestMediaType?: string;
}

export { INDEX_MEDIA_TYPES };

export const isIndex = (image: RegistryImage): boolean =>
  image.manifestMediaType !== undefined && INDEX_MEDIA_TYPES.includes(image.manifestMediaType);

export interface ContainerImage {
  name: string;
  /** The reference as written in the task definition. */
  image: string;
  /** What the task actually pulled (DescribeTasks containers[].imageDigest), when ECS reports it. */
  imageDigest?: string;
}

export interface ScannedTask {
  taskArn: string;
  clusterArn: string;
  lastStatus: string;
  stoppedAt?: Date;
  containers: ContainerImage[];
}

export interface ScannedService {
  serviceArn: string;
  clusterArn: string;
  /** Every deployment (PRIMARY, ACTIVE, INACTIVE draining) and task set, with its status. */
  deployments: { status: string; taskDefinition: string }[];
}

export interface ScannedTaskDefinition {
  taskDefinitionArn: string;
  containers: { name: string; image: string }[];
}

/** What the scanner found in ECS. */
export interface InUseInventory {
  /** The clusters scanned (names), and those the config names that do not exist. */
  clusters?: { scanned: string[]; missing: string[] };
  tasks: ScannedTask[];
  services: ScannedService[];
  /** Per ACTIVE family, its latest revisions (newest first), as many as protect.taskDefinitionRevisions. */
  revisions: { family: string; taskDefinitionArns: string[] }[];
  /** Task definitions the toolkit starts; `source` like `uploads trigger thumbnails`. */
  toolkit: { source: string; taskDefinitionArn: string }[];
  /** Every task definition named by services, revisions and toolkit, by ARN. */
  taskDefinitions: ReadonlyMap<string, ScannedTaskDefinition>;
}

/** One use of an image: the reference, what was pulled (if known), and who uses it. */
export interface ImageUse {
  image: string;
  digest?: string;
  reason: string;
  /** Set when the use comes from a task definition (not a task): where a broken reference would be fixed. */
  definition?: { taskDefinition: string; container: string; why: string };
}

/**
 * A task definition naming a tag no image in the repository carries: nothing to protect (the image
 * behind the tag is gone; what running tasks pulled is protected by digest), but the next task
 * started from that revision will fail to pull.
 */
export interface BrokenReference {
  /** `family:revision`. */
  taskDefinition: string;
  container: string;
  image: string;
  tag: string;
  /** Why the revision was looked at: a service's deployment, a latest revision, the toolkit. */
  reason: string;
}

const tail = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);

/** `web:7` from a task definition ARN. */
export const taskDefinitionName = tail;

function formatHours(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}

/**
 * Every image use in the inventory, with who uses it. Stopped tasks count when they stopped within
 * `stoppedTasksWithinHours` of `now`, or when ECS does not say when (kept rather than guessed).
 * A task definition named but not scanned is a doubt: its images are unknown.
 */
export function collectUses(
  inventory: InUseInventory,
  options: { now: Date; stoppedTasksWithinHours: number },
): { uses: ImageUse[]; doubts: string[] } {
  const uses: ImageUse[] = [];
  const doubts: string[] = (inventory.clusters?.missing ?? []).map(
    (cluster) =>
      `cluster ${cluster} is named in images.protect.clusters but does not exist: the images its tasks and services use cannot be known`,
  );
  const windowMs = options.stoppedTasksWithinHours * 3_600_000;
  for (const task of inventory.tasks) {
    const where = `task ${tail(task.taskArn)} in cluster ${tail(task.clusterArn)}`;
    let who: string;
    if (task.lastStatus === 'STOPPED' || task.lastStatus === 'DELETED') {
      if (!task.stoppedAt) {
        if (windowMs === 0) continue;
        who = `${where}, stopped (ECS gives no stop time, so it counts as recent)`;
      } else {
        const ago = options.now.getTime() - task.stoppedAt.getTime();
        if (ago > windowMs) continue;
        who = `${where}, stopped ${formatHours(ago)} ago (within ${options.stoppedTasksWithinHours} h)`;
      }
    } else who = `${task.lastStatus} ${where}`;
    for (const c of task.containers) {
      uses.push({
        image: c.image,
        ...(c.imageDigest ? { digest: c.imageDigest } : {}),
        reason: `used by ${who} (container ${c.name})`,
      });
    }
  }
  const fromDefinition = (arn: string, why: string) => {
    const definition = inventory.taskDefinitions.get(arn);
    if (!definition) {
      doubts.push(
        `task definition ${taskDefinitionName(arn)} (${why}) was not scanned: its images are unknown`,
      );
      return;
    }
    for (const c of definition.containers) {
      uses.push({
        image: c.image,
        reason: `${why}: ${taskDefinitionName(arn)}, container ${c.name}`,
        definition: { taskDefinition: taskDefinitionName(arn), container: c.name, why },
      });
    }
  };
  for (const service of inventory.services) {
    for (const d of service.deployments) {
      fromDefinition(
        d.taskDefinition,
        `used by service ${tail(service.serviceArn)} in cluster ${tail(service.clusterArn)} (${d.status} deployment)`,
      );
    }
  }
  for (const { family, taskDefinitionArns } of inventory.revisions) {
    taskDefinitionArns.forEach((arn, index) =>
      fromDefinition(
        arn,
        `in one of the latest ${taskDefinitionArns.length} revisions of ${family} (#${index + 1}, newest first)`,
      ),
    );
  }
  for (const { source, taskDefinitionArn } of inventory.toolkit) {
    fromDefinition(taskDefinitionArn, `started by ecs-pilot's ${source}`);
  }
  return { uses, doubts };
}

/** The in-use digests of one repository, each with every reason, and the references that cannot be resolved. */
export interface Protection {
  inUse: Map<string, string[]>;
  doubts: string[];
  /** Task definition references to tags no image carries: reported, holding nothing. */
  broken?: BrokenReference[];
}

/**
 * Resolves every use that points into `repository` against its images: a digest protects that image
 * (a digest no longer listed is already gone); a tag protects the image carrying it now (no tag means
 * `latest`, as Docker reads it). A tag no image carries is a doubt when a task uses it without a
 * reported digest (the task may run an image still here, untagged since), but only a broken reference
 * when a task definition names it: the image behind it is gone, and holding the repository would
 * protect nothing, run after run. A reference that cannot be parsed but may be this repository's is
 * a doubt.
 */
export function protectRepository(
  repository: RepositoryIdentity,
  images: readonly RegistryImage[],
  uses: readonly ImageUse[],
): Protection {
  const byTag = new Map<string, string>();
  const digests = new Set<string>();
  for (const image of images) {
    digests.add(image.imageDigest);
    for (const tag of image.imageTags) byTag.set(tag, image.imageDigest);
  }
  const inUse = new Map<string, string[]>();
  const doubts: string[] = [];
  const broken = new Map<string, BrokenReference>();
  const keep = (digest: string, reason: string) => {
    const reasons = inUse.get(digest);
    if (reasons) reasons.push(reason);
    else inUse.set(digest, [reason]);
  };
  for (const use of uses) {
    const reference = parseImageReference(use.image);
    if (!reference) {
      // Fail closed: a reference that cannot be read may still be this repository's (empty, or
      // naming it): which image it uses cannot be known.
      if (use.image.trim() === '' || use.image.includes(repository.name)) {
        doubts.push(
          `${JSON.stringify(use.image.slice(0, 200))} (${use.reason}) is not an image reference ecs-pilot can read, and may name an image in ${repository.name}`,
        );
      }
      continue;
    }
    if (!referencesRepository(reference, repository)) continue;
    const digest = use.digest ?? reference.digest;
    if (digest) {
      if (digests.has(digest)) keep(digest, use.reason);
      // ECS reported what a task pulled by tag: the image carrying that tag now is kept too (the tag
      // may name an image index whose platform image ECS reports, or have moved). Keeping more is
      // safe; a tag no image carries is no doubt here, the pulled digest is known.
      const tagged = use.digest && !reference.digest ? byTag.get(reference.tag ?? 'latest') : undefined;
      if (tagged && tagged !== digest) keep(tagged, `${use.reason} (tag ${reference.tag ?? 'latest'})`);
      continue;
    }
    const tag = reference.tag ?? 'latest';
    const found = byTag.get(tag);
    if (found) keep(found, `${use.reason} (tag ${tag})`);
    else if (use.definition) {
      const { taskDefinition, container, why } = use.definition;
      const key = `${taskDefinition}\n${container}\n${use.image}`;
      if (!broken.has(key))
        broken.set(key, { taskDefinition, container, image: use.image, tag, reason: why });
    } else {
      doubts.push(
        `${use.image} (${use.reason}) names tag ${tag}, which no image in ${repository.name} carries: the image it uses cannot be known`,
      );
    }
  }
  return { inUse, doubts, ...(broken.size > 0 ? { broken: [...broken.values()] } : {}) };
}
