/**
 * Issue 13 items 15 and 9: the deployment files do what they say, on a machine with no container
 * engine. The Containerfile's build stage runs as a script (its COPY and RUN steps, in order, in a
 * copy of the project); the runtime stage's files are copied out of it as the image would hold
 * them, started with the image's CMD and checked with its HEALTHCHECK command. The same build,
 * started on the machine's older Node, refuses with what to do. The systemd unit passes
 * `systemd-analyze verify`.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/free-port.ts';
import { nodeVersionProblem } from '../src/node-version.ts';
import { testEngine } from './support/engine.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
/** The Node 22 `npm ci` installed: what the image's `node:22` base provides. */
const NODE_22 = path.join(ROOT, 'node_modules/node/bin/node');

interface Instruction {
  keyword: string;
  args: string;
}

/** Dockerfile syntax, as much as this file uses: comments, `\` continuations, one stage per FROM. */
function parseStages(text: string): Instruction[][] {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const stages: Instruction[][] = [];
  for (const line of lines) {
    const [, keyword = '', args = ''] = /^(\S+)\s+(.*)$/.exec(line) ?? [];
    if (keyword.toUpperCase() === 'FROM') stages.push([]);
    stages.at(-1)?.push({ keyword: keyword.toUpperCase(), args: args.replace(/\s+/g, ' ') });
  }
  return stages;
}

const containerfile = readFileSync(path.join(ROOT, 'Containerfile'), 'utf8');
const stages = parseStages(containerfile);
const build = stages[0] ?? [];
const runtime = stages.at(-1) ?? [];
const only = (stage: Instruction[], keyword: string) =>
  stage.filter((instruction) => instruction.keyword === keyword);
const execForm = (args: string): string[] => JSON.parse(args.replace(/^CMD /, ''));

/** `.dockerignore`: names left out of `COPY . .` (top-level entries and `*.ext` patterns). */
function ignoredBy(): (relative: string) => boolean {
  const patterns = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  return (relative) =>
    patterns.some((pattern) =>
      pattern.startsWith('*.')
        ? relative.endsWith(pattern.slice(1))
        : relative === pattern || relative.startsWith(`${pattern}/`),
    );
}

const systemNode = ['/usr/bin/node', '/usr/local/bin/node'].find(
  (candidate) =>
    existsSync(candidate) &&
    nodeVersionProblem(
      execFileSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim(),
      'serve',
    ) !== null,
);

let server: ChildProcess | undefined;
afterAll(() => {
  server?.kill('SIGKILL');
});

describe('Containerfile', () => {
  it('is multi-stage, runs unprivileged, starts the compiled server and checks /readyz', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const user = only(runtime, 'USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(execForm(only(runtime, 'CMD').at(-1)?.args ?? '[]')).toEqual([
      'node',
      'dist/src/main.js',
      'serve',
    ]);
    expect(only(runtime, 'HEALTHCHECK').at(-1)?.args).toContain('/readyz');
    expect(
      only(runtime, 'ENV')
        .map((env) => env.args)
        .join(' '),
    ).toContain('HOST=0.0.0.0');
  });

  // The build runs once, on the embedded engine's pass (it does not depend on the engine).
  it.skipIf(testEngine() !== 'pglite')(
    "builds as a script, and the runtime stage's files serve and pass the HEALTHCHECK",
    { timeout: 1_200_000 },
    async () => {
      const context = mkdtempSync(path.join(os.tmpdir(), 'hostpass-image-build-'));
      const ignored = ignoredBy();
      const env = {
        PATH: `${path.dirname(NODE_22)}:/usr/local/bin:/usr/bin:/bin`,
        HOME: process.env.HOME ?? '/tmp',
        CI: 'true',
        // The machine's npm cache stands in for an image build's layer cache: without it npm asks
        // the registry about every package again (about 5 minutes here, 26 s from the cache).
        npm_config_prefer_offline: 'true',
        npm_config_audit: 'false',
        npm_config_fund: 'false',
      };
      for (const { keyword, args } of build) {
        if (keyword === 'COPY') {
          const sources = args.split(' ').slice(0, -1);
          for (const source of sources) {
            cpSync(path.join(ROOT, source), path.join(context, source === '.' ? '' : source), {
              recursive: true,
              filter: (from) => !ignored(path.relative(ROOT, from)),
            });
          }
        } else if (keyword === 'RUN') {
          const started = Date.now();
          const result = spawnSync('sh', ['-c', args], { cwd: context, env, encoding: 'utf8' });
          // How long each step took on this machine (the README states the build's time).
          console.log(`RUN ${args}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
          expect(result.status, `RUN ${args}\n${result.stdout}\n${result.stderr}`).toBe(0);
        }
      }

      // The runtime stage: only what it copies from the build stage.
      const image = mkdtempSync(path.join(os.tmpdir(), 'hostpass-image-'));
      for (const { args } of only(runtime, 'COPY')) {
        const [from, source = '', target = ''] = args.split(' ');
        expect(from).toBe('--from=build');
        cpSync(path.join(context, source.replace(/^\/app\//, '')), path.join(image, target), {
          recursive: true,
        });
      }
      // Dev dependencies (the compiler, Vite, the test runner) were pruned.
      expect(existsSync(path.join(image, 'node_modules/vitest'))).toBe(false);
      expect(existsSync(path.join(image, 'node_modules/fastify'))).toBe(true);

      const imageEnv: Record<string, string> = {};
      for (const { args } of only(runtime, 'ENV')) {
        for (const pair of args.split(' ')) {
          const [name = '', ...value] = pair.split('=');
          imageEnv[name] = value.join('=');
        }
      }
      const port = await freePort();
      const runEnv = {
        ...env,
        ...imageEnv,
        PORT: String(port),
        HOSTPASS_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'hostpass-image-data-')),
      };
      const [command, ...args] = execForm(only(runtime, 'CMD').at(-1)?.args ?? '[]');
      expect(command).toBe('node');
      const started = spawn(NODE_22, args, { cwd: image, env: runEnv });
      server = started;
      let output = '';
      started.stdout?.on('data', (chunk) => (output += chunk));
      started.stderr?.on('data', (chunk) => (output += chunk));
      const healthcheck = execForm(
        (only(runtime, 'HEALTHCHECK').at(-1)?.args ?? '').replace(/^.*?CMD /, ''),
      );
      expect(healthcheck[0]).toBe('node');
      const check = () =>
        spawnSync(NODE_22, healthcheck.slice(1), { cwd: image, env: runEnv }).status;
      const deadline = Date.now() + 300_000;
      while (check() !== 0) {
        expect(started.exitCode, output).toBeNull();
        expect(Date.now() < deadline, `not healthy in time:\n${output}`).toBe(true);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      // The HEALTHCHECK passing is the proof ("Hostpass is ready" is logged a moment later, once
      // the workers have started).
      started.kill('SIGTERM');
      expect(await new Promise((resolve) => started.on('close', resolve))).toBe(0);

      // Item 9: the same build on the machine's older Node says what to do, before any import.
      if (systemNode) {
        const old = spawnSync(systemNode, args, { cwd: image, env: runEnv, encoding: 'utf8' });
        expect(old.status).toBe(1);
        expect(old.stderr).toMatch(/^Hostpass needs Node\.js 22\.19 or newer; this is Node\.js /);
        expect(old.stderr).not.toContain('bind');
        expect(old.stderr.trim().split('\n')).toHaveLength(1);
      }
    },
  );
});

describe('deploy/hostpass.service', () => {
  const unit = path.join(ROOT, 'deploy/hostpass.service');
  const text = readFileSync(unit, 'utf8');

  it('runs the compiled server as an unprivileged user and stops it with SIGTERM', () => {
    expect(text).toMatch(/^ExecStart=\/\S+\/node dist\/src\/main\.js serve$/m);
    expect(text).toMatch(/^User=hostpass$/m);
    expect(text).toMatch(/^KillSignal=SIGTERM$/m);
    expect(text).toMatch(/^\[Install\]\nWantedBy=multi-user\.target$/m);
  });

  const analyze = spawnSync('systemd-analyze', ['--version']).status === 0;
  it.skipIf(!analyze)('passes systemd-analyze verify', () => {
    const result = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
