/**
 * `npm run build`: compiles the server to JavaScript in dist/. `npm start` runs the build, not
 * the TypeScript sources: it starts faster and needs about 40 MB less memory than Node's type
 * stripping (docs/benchmarks.md). SQL migrations are copied beside the compiled code, and the
 * dashboard is built with Vite into dist/dashboard/ (served at `/`). The typed client
 * (`hostpass/client`) also gets its type declarations, for projects that install the package.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import path from 'node:path';
import { buildDashboard } from '../src/dashboard/build.ts';

rmSync('dist', { recursive: true, force: true });
for (const project of ['tsconfig.build.json', 'tsconfig.client.json']) {
  const compiled = spawnSync('npx', ['tsc', '-p', project], { stdio: 'inherit' });
  if (compiled.status !== 0) process.exit(compiled.status ?? 1);
}
cpSync('src/db/migrations', 'dist/src/db/migrations', { recursive: true });
await buildDashboard(path.resolve('dist/dashboard'));
