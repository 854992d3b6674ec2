import { RegisterTaskDefinitionCommand, type ECSClient } from '@aws-sdk/client-ecs';

/**
 * Registers a Fargate (awsvpc, 256 CPU / 512 MiB) task definition with one essential container running
 * `image`, in the emulator. The container has a memory setting: without one the emulator fails RunTask
 * with a 500.
 */
export function registerTaskDefinition(ecs: ECSClient, family: string, container: string, image: string) {
  return ecs.send(
    new RegisterTaskDefinitionCommand({
      family,
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: container, image, memory: 512, essential: true }],
    }),
  );
}
