import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The SDK warns that Node 20 support ends; that concerns the local test process only (Lambda runs Node 22).
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 600_000,
          // One emulator is shared; files run one after another so resets do not race.
          fileParallelism: false,
        },
      },
    ],
  },
});
