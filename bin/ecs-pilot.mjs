#!/usr/bin/env node
// Entry point of the ecs-pilot CLI: runs the TypeScript sources through tsx (no build step).
import { register } from 'tsx/esm/api';

// A reader that stops early (`ecs-pilot validate F | head -n 1`) closes the pipe: the rest of the
// output has nowhere to go, which is the reader's choice, not an error. Exit quietly, as cat does.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
}

// The SDK's notice that it will need Node 22 next year is about this machine's Node, not the
// command's result: eight lines on every run would bury the one line a command prints.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

register();
const { main } = await import('./cli.ts');
process.exitCode = await main(process.argv.slice(2));
