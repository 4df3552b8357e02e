import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, requestLogger } from './logger.ts';

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

describe('a request logger', () => {
  it("writes the lines pino's own child writes, redaction included", () => {
    const { lines, sink } = capture();
    const logger = createLogger('info', sink);
    const bindings = { reqId: 'req-7"\\' };
    for (const child of [logger.child(bindings), requestLogger(logger, bindings)]) {
      child.info({ token: 'top-secret-3', meeting: 42 }, 'request');
      child.child({ step: 'inner' }).warn('deeper');
    }
    // The same text but for the time: same keys, same order, same escaping.
    const [own, ownInner, ours, oursInner] = lines.map((line) =>
      line.replace(/"time":"[^"]*"/, '"time":0'),
    );
    expect(ours).toBe(own);
    expect(oursInner).toBe(ownInner);
    expect(JSON.parse(ours ?? '{}')).toMatchObject({
      reqId: 'req-7"\\',
      token: '[redacted]',
      meeting: 42,
    });
    expect(lines.join('')).not.toContain('top-secret');
  });
});
