import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

/** A destination that keeps every line written to it. */
function capture() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, sink };
}

describe('logger redaction', () => {
  it('hides secret fields at the top of a log object and one level in', () => {
    const { lines, sink } = capture();
    const logger = createLogger('info', sink);
    logger.info({ token: 'top-secret-1', grant: { refresh_token: 'top-secret-2' }, meeting: 42 });
    const line = lines.join('');
    expect(line).not.toContain('top-secret');
    expect(JSON.parse(line)).toMatchObject({ token: '[redacted]', meeting: 42 });
  });
});
