/**
 * `npm run build`: compiles the server to JavaScript in dist/. `npm start` runs the build, not
 * the TypeScript sources: it starts faster and needs about 40 MB less memory than Node's type
 * stripping (docs/benchmarks.md). SQL migrations are copied beside the compiled code.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
const compiled = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
if (compiled.status !== 0) process.exit(compiled.status ?? 1);
cpSync('src/db/migrations', 'dist/src/db/migrations', { recursive: true });
