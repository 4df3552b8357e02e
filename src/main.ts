#!/usr/bin/env node
// The entry point (`node dist/src/main.js serve`, `node src/main.ts …`). It imports nothing but
// the version check before checking: an older Node would otherwise crash inside a dependency's
// import (undici) with a message that says nothing about the cause.
import { nodeVersionProblem } from './node-version.ts';

const problem = nodeVersionProblem(
  process.versions.node,
  process.argv.slice(2).join(' ') || 'serve',
);
if (problem) {
  console.error(problem);
  process.exit(1);
}
await import('./cli/index.ts');
