#!/usr/bin/env node
// Runs the Hostpass CLI on Node 22 or newer. The sources are TypeScript run by Node's type
// stripping (22.18+); on an older `node` on PATH, re-run with the Node 22 the project installs.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);

if (major > 22 || (major === 22 && minor >= 18)) {
  await import(main);
} else {
  const bundledNode = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url));
  const result = spawnSync(bundledNode, [main, ...process.argv.slice(2)], { stdio: 'inherit' });
  if (result.error) {
    console.error(
      `Hostpass needs Node.js 22.18 or newer (this is ${process.version}); run \`npm ci\` first.`,
    );
    process.exit(1);
  }
  process.exit(result.status ?? 1);
}
