import type { TestProject } from 'vitest/node';
import { startEmulator } from '../../local/emulator';

declare module 'vitest' {
  export interface ProvidedContext {
    emulatorEndpoint: string;
  }
}

/** Starts one moto server for the whole integration run; tests read it with `inject('emulatorEndpoint')`. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const emulator = await startEmulator({ log: (line) => console.log(`[emulator] ${line}`) });
  project.provide('emulatorEndpoint', emulator.endpoint);
  return () => emulator.stop();
}
