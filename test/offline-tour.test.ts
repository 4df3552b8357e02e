/**
 * Issue 13 item 10: the README's "Try it offline" sequence, run exactly as written (the shell block
 * is read from README.md) in a user's shell, on ports other than 8080 and 9090: emulator, server,
 * app, Connect link, consent, meeting lookup, mint, bot, and both processes stopped at the end.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../src/free-port.ts';
import { testEngine } from './support/engine.ts';

const ROOT = path.resolve(import.meta.dirname, '..');

/** The first ```sh block under the README's "## Try it offline" heading. */
function tourScript(): string {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Try it offline\n'));
  const match = /```sh\n([\s\S]*?)```/.exec(section);
  if (!match?.[1]) throw new Error('README.md has no shell block under "## Try it offline".');
  return match[1];
}

async function refusesConnections(url: string): Promise<boolean> {
  try {
    await fetch(url);
    return false;
  } catch {
    return true;
  }
}

// The tour runs on the embedded store whatever the engine: once is enough.
describe.skipIf(testEngine() !== 'pglite')('README "Try it offline"', () => {
  it('works as pasted, on ports other than 8080', { timeout: 600_000 }, async () => {
    const port = await freePort();
    const zoomPort = await freePort();
    expect(port).not.toBe(8080);
    // A user's shell: the machine's own Node and npm on PATH, `-e` so that a failing step fails.
    const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', tourScript()], {
      cwd: ROOT,
      detached: true,
      env: {
        PATH: '/usr/local/bin:/usr/bin:/bin',
        HOME: process.env.HOME ?? '/tmp',
        PORT: String(port),
        ZOOM_PORT: String(zoomPort),
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      expect(code, `${stdout}\n${stderr}`).toBe(0);
      expect(stdout).toMatch(/^connected: credential [0-9a-f-]{36}$/m);
      const lookup = JSON.parse(stdout.split('\n').find((line) => line.startsWith('{')) ?? '{}');
      expect(lookup.results).toHaveLength(1);
      expect(lookup.results[0].meeting_id).toBeGreaterThan(0);
      expect(stdout).toMatch(/^minted: join_token\b/m);
      expect(stdout).toMatch(/^bot: joining_call → .*in_call_recording$/m);
      expect(stdout).not.toContain('in_waiting_room');
      // The last line stopped both: nothing is left listening on the tour's ports.
      for (const url of [`http://127.0.0.1:${port}/healthz`, `http://127.0.0.1:${zoomPort}/`]) {
        const deadline = Date.now() + 60_000;
        while (!(await refusesConnections(url)) && Date.now() < deadline)
          await new Promise((resolve) => setTimeout(resolve, 200));
        expect(await refusesConnections(url), url).toBe(true);
      }
    } finally {
      // Whatever happened, leave no tour process behind (the shell led its own process group).
      try {
        process.kill(-Number(child.pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
});
