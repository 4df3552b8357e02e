import { createServer } from 'node:net';

/**
 * A TCP port free on 127.0.0.1 right now, for servers whose URL must be known before they listen
 * (PUBLIC_URL points at them). Another process could take it in between; on loopback, in a
 * demo or a test, that risk is accepted.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('No port.')),
      );
    });
  });
}
