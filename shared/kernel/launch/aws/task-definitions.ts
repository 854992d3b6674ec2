import {
  DescribeTaskDefinitionCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  type ECSClient,
  type RegisterTaskDefinitionCommandInput,
} from '@aws-sdk/client-ecs';
import { classifyEcsError } from '../../aws/errors.js';
import { PermanentError } from '../../errors.js';
import { RevisionCache } from '../revision-cache.js';
import {
  DERIVED_TAGS,
  deriveRegistration,
  revisionToRun,
  type BaseTaskDefinition,
  type DerivedRegistration,
  type SecretsPlan,
} from '../derive.js';

/** How long a bare family's latest revision is trusted before it is described again. */
export const FAMILY_TTL_MS = 60_000;

export interface DerivedTaskDefinitionsOptions {
  /** The stack name its revisions are tagged with (the IAM condition that lets it register them). */
  stack: string;
  now?: () => number;
}

/**
 * Resolves the task definition a launch with secrets runs (see derive.ts): describe the base
 * (a revision once per container; a bare family at most once a minute, so a new revision is picked
 * up within a minute), then the derived family's lowest ACTIVE revision, registering the family's
 * first when there is none. A cold start costs DescribeTaskDefinition and ListTaskDefinitions (and
 * RegisterTaskDefinition once per new definition); a warm one nothing.
 */
export class DerivedTaskDefinitions {
  private readonly revisions = new RevisionCache<BaseTaskDefinition>(100);
  private readonly families = new Map<string, { at: number; base: BaseTaskDefinition }>();
  /** Derived family → the revision to run. */
  private readonly derived = new Map<string, string>();
  private readonly pending = new Map<string, Promise<string>>();
  private readonly now: () => number;

  constructor(
    private readonly ecs: ECSClient,
    private readonly options: DerivedTaskDefinitionsOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The ARN to pass to RunTask for `taskDefinition` (family, family:revision or ARN) with `plan`. */
  async resolve(taskDefinition: string, plan: SecretsPlan): Promise<string> {
    const registration = deriveRegistration(await this.base(taskDefinition), plan);
    const known = this.derived.get(registration.family);
    if (known) return known;
    // Launches of one batch run concurrently: they share one lookup (and at most one registration).
    let pending = this.pending.get(registration.family);
    if (!pending) {
      pending = this.find(registration);
      this.pending.set(registration.family, pending);
      void pending.finally(() => this.pending.delete(registration.family)).catch(() => undefined);
    }
    return pending;
  }

  private async find(registration: DerivedRegistration): Promise<string> {
    const arn = (await this.lowestActive(registration.family)) ?? (await this.register(registration));
    this.derived.set(registration.family, arn);
    return arn;
  }

  private async base(taskDefinition: string): Promise<BaseTaskDefinition> {
    if (/:\d+$/.test(taskDefinition))
      return this.revisions.get(taskDefinition, () => this.describe(taskDefinition));
    const cached = this.families.get(taskDefinition);
    if (cached && this.now() - cached.at < FAMILY_TTL_MS) return cached.base;
    const base = await this.describe(taskDefinition);
    this.families.set(taskDefinition, { at: this.now(), base });
    return base;
  }

  private async describe(taskDefinition: string): Promise<BaseTaskDefinition> {
    let response;
    try {
      response = await this.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition }));
    } catch (error) {
      throw classifyEcsError(error, `DescribeTaskDefinition ${taskDefinition}`);
    }
    if (!response.taskDefinition) {
      throw new PermanentError(`DescribeTaskDefinition ${taskDefinition} returned no task definition`);
    }
    return response.taskDefinition as BaseTaskDefinition;
  }

  /**
   * The family's lowest ACTIVE revision. One page is enough: sorted ascending, the first ARN of the
   * family is on it (familyPrefix matches by prefix, so other families are filtered out, and their
   * names sort after this one's).
   */
  private async lowestActive(family: string): Promise<string | undefined> {
    try {
      const page = await this.ecs.send(
        new ListTaskDefinitionsCommand({
          familyPrefix: family,
          status: 'ACTIVE',
          sort: 'ASC',
          maxResults: 100,
        }),
      );
      return revisionToRun(family, page.taskDefinitionArns ?? []);
    } catch (error) {
      throw classifyEcsError(error, `ListTaskDefinitions ${family}`);
    }
  }

  private async register(registration: DerivedRegistration): Promise<string> {
    const input = {
      ...registration.definition,
      family: registration.family,
      tags: [
        { key: DERIVED_TAGS.stack, value: this.options.stack },
        { key: DERIVED_TAGS.base, value: registration.baseArn },
      ],
    } as RegisterTaskDefinitionCommandInput;
    let registered;
    try {
      registered = await this.ecs.send(new RegisterTaskDefinitionCommand(input));
    } catch (error) {
      throw classifyEcsError(error, `RegisterTaskDefinition ${registration.family}`);
    }
    const arn = registered.taskDefinition?.taskDefinitionArn;
    if (!arn) throw new PermanentError(`RegisterTaskDefinition ${registration.family} returned no ARN`);
    // Another instance may have registered the same definition first: run the lowest, as it does.
    return (await this.lowestActive(registration.family)) ?? arn;
  }
}
