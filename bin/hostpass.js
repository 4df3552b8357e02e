#!/usr/bin/env node
// Runs the Hostpass CLI on Node 22.19 or newer (src/node-version.ts says why). The sources are
// TypeScript run by Node's type stripping; on an older `node` on PATH, re-run with the Node 22
// that `npm ci` installs into the project (the `node` devDependency).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);

if (major > 22 || (major === 22 && minor >= 19)) {
  await import(main);
} else {
  const bundledNode = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url));
  if (!existsSync(bundledNode)) {
    console.error(
      `Hostpass needs Node.js 22.19 or newer (this is ${process.version}): run \`npm ci\` in the project first (it installs Node.js 22 for Hostpass), or install Node.js 22.19+.`,
    );
    process.exit(1);
  }
  const child = spawn(bundledNode, [main, ...process.argv.slice(2)], { stdio: 'inherit' });
  // `kill <pid>` of this wrapper (a background server, a service manager) must reach Hostpass.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 1)));
}
