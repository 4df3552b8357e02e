import { createServer } from 'node:net';

/**
 * A TCP port on 127.0.0.1 held (listened on, so that no other socket is given it) until
 * `release()`: for a server that needs seconds of set-up between choosing its port and
 * listening, release just before it listens.
 */
export function reservePort(): Promise<{ port: number; release: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      if (typeof address !== 'object' || !address) return reject(new Error('No port.'));
      resolve({
        port: address.port,
        release: () => new Promise<void>((done) => probe.close(() => done())),
      });
    });
  });
}

/**
 * A TCP port free on 127.0.0.1 right now, for servers whose URL must be known before they listen
 * (PUBLIC_URL points at them). Another process could take it in between; on loopback, in a
 * demo or a test, that risk is accepted.
 */
export async function freePort(): Promise<number> {
  const { port, release } = await reservePort();
  await release();
  return port;
}
