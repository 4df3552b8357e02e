import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRefusalLog } from './refusal-log.ts';

interface Line {
  workspaceId: string;
  appId: string;
  message: string;
}

function setUp(write: (entry: Line) => Promise<void> = async () => {}) {
  const lines: Line[] = [];
  const summaryErrors: unknown[] = [];
  const log = createRefusalLog({
    write: async (entry) => {
      lines.push(entry);
      await write(entry);
    },
    onSummaryError: (error) => summaryErrors.push(error),
    linesPerWindow: 3,
    windowMs: 60_000,
  });
  const refuse = (appId: string, message: string) =>
    log.refused({ workspaceId: 'workspace', appId, message });
  return { lines, summaryErrors, refuse };
}

describe('refused-webhook log lines', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('writes the first lines of a window, then one summary with the count and the latest reason', async () => {
    const { lines, refuse } = setUp();
    for (let index = 1; index <= 8; index += 1) await refuse('app-a', `reason ${index}`);
    expect(lines.map((line) => line.message)).toEqual(['reason 1', 'reason 2', 'reason 3']);

    await vi.advanceTimersByTimeAsync(59_999);
    expect(lines).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(lines).toHaveLength(4);
    expect(lines[3]).toEqual({
      workspaceId: 'workspace',
      appId: 'app-a',
      message:
        'Refused 5 more webhook requests in 60 s without a line each (at most 3 lines per 60 s). The latest: reason 8',
    });
  });

  it('gives each app its own budget', async () => {
    const { lines, refuse } = setUp();
    for (let index = 0; index < 5; index += 1) await refuse('app-a', 'a');
    await refuse('app-b', 'b');
    expect(lines.map((line) => line.appId)).toEqual(['app-a', 'app-a', 'app-a', 'app-b']);
  });

  it('starts a fresh budget once a window has passed', async () => {
    const { lines, refuse } = setUp();
    for (let index = 0; index < 3; index += 1) await refuse('app-a', 'first window');
    await vi.advanceTimersByTimeAsync(60_000);
    await refuse('app-a', 'second window');
    expect(lines.map((line) => line.message)).toEqual([
      'first window',
      'first window',
      'first window',
      'second window',
    ]);
    // Nothing was held back, so no summary follows.
    await vi.advanceTimersByTimeAsync(120_000);
    expect(lines).toHaveLength(4);
  });

  it('reports a summary that could not be written, and fails a direct line with its request', async () => {
    const failure = new Error('database down');
    const { summaryErrors, refuse } = setUp(async (line) => {
      if (line.message.startsWith('Refused') || line.message === 'direct') throw failure;
    });
    await expect(refuse('app-a', 'direct')).rejects.toBe(failure);
    for (let index = 0; index < 4; index += 1) await refuse('app-a', 'flood');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(summaryErrors).toEqual([failure]);
  });
});
