/**
 * Issue 13 item 9: every entry point checks the Node version before anything can crash on it.
 * Run with the machine's own (older) Node, as a user would type the commands; the compiled
 * `node dist/src/main.js serve` is checked on the image build in test/container.test.ts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import packageJson from '../package.json' with { type: 'json' };
import { MINIMUM_NODE, nodeVersionProblem } from '../src/node-version.ts';

const ROOT = path.resolve(import.meta.dirname, '..');

/** The machine's Node if it is older than Hostpass needs (Debian 12's 20), else null. */
function olderSystemNode(): string | null {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node', '/bin/node']) {
    if (!existsSync(candidate)) continue;
    const version = execFileSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' });
    if (nodeVersionProblem(version.trim(), 'serve') !== null) return candidate;
  }
  return null;
}

const systemNode = olderSystemNode();
/** A shell's environment on a machine where `node` is the older system Node. */
const systemEnv = { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' };

describe('nodeVersionProblem', () => {
  it('accepts the minimum and newer, and says what to do on anything older', () => {
    expect(nodeVersionProblem(`${MINIMUM_NODE.major}.${MINIMUM_NODE.minor}.0`, 'serve')).toBeNull();
    expect(nodeVersionProblem('24.1.0', 'serve')).toBeNull();
    const problem = nodeVersionProblem('20.20.2', 'serve');
    expect(problem).toContain('Hostpass needs Node.js 22.19 or newer; this is Node.js 20.20.2.');
    expect(problem).toContain('`npx hostpass serve` or `npm start`');
    expect(nodeVersionProblem('22.18.0', 'serve')).not.toBeNull();
  });

  it('is the rule package.json declares to npm', () => {
    expect(packageJson.engines.node).toBe(`>=${MINIMUM_NODE.major}.${MINIMUM_NODE.minor}`);
  });
});

describe.skipIf(systemNode === null)(
  `entry points on the machine's older Node (${systemNode})`,
  {
    timeout: 300_000,
  },
  () => {
    it('bin/hostpass.js (npx hostpass) runs Hostpass on the Node 22 that npm ci installed', () => {
      const result = spawnSync(String(systemNode), ['bin/hostpass.js', '--version'], {
        cwd: ROOT,
        env: systemEnv,
        encoding: 'utf8',
      });
      expect(result.stderr).toBe('');
      expect(result.stdout.trim()).toBe(packageJson.version);
      expect(result.status).toBe(0);
    });

    it('npm scripts run on that Node 22 too, and npm prints no screen of engine warnings', () => {
      const result = spawnSync('npm', ['run', 'hostpass', '--', '--version'], {
        cwd: ROOT,
        env: systemEnv,
        encoding: 'utf8',
      });
      expect(result.stdout.trim().split('\n').at(-1)).toBe(packageJson.version);
      expect(result.stderr).not.toContain('EBADENGINE');
      expect(result.status).toBe(0);
    });
  },
);
