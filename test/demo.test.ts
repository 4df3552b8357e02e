import { describe, expect, it } from 'vitest';
import { runCli } from './support/cli.ts';

describe('hostpass demo', () => {
  it('runs the whole flow offline and ends with the bot recording without asking the host', async () => {
    const result = await runCli(['demo'], {});
    expect(result.code, result.stderr).toBe(0);
    const steps = result.stdout.split('\n').filter((line) => line.startsWith('▶'));
    expect(steps).toHaveLength(6);
    expect(result.stdout).toContain('Zoom validated the webhook URL at ');
    expect(result.stdout).toMatch(/back at the return URL with credential_id=[0-9a-f-]{36}/);
    expect(result.stdout).toContain('join plan: join_token (from credentials)');
    expect(result.stdout.trim().split('\n').at(-1)).toBe(
      '✔ Recording allowed without asking the host, waiting room bypassed.',
    );
  });
});
