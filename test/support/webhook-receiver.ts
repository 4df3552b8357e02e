import { createServer, type Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Webhook } from 'standardwebhooks';
import { eventually } from './zoom-world.ts';

/** One request the receiver got, as it arrived. */
export interface ReceivedWebhook {
  headers: Record<string, string>;
  body: string;
  /** The parsed body: `{type, timestamp, data}`. */
  // biome-ignore lint/suspicious/noExplicitAny: events are asserted field by field in tests
  event: any;
  /** The answer it was given. */
  answeredStatus: number;
  /** When its body was read (`performance.now()`): a delivery's latency, however late it is awaited. */
  at: number;
}

/**
 * A customer's webhook endpoint on loopback. It verifies EVERY request with the reference
 * `standardwebhooks` library and each secret it was given (a request no secret verifies is
 * recorded as `unverified`), and answers with the statuses it was told, then 204.
 */
export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Requests whose signature no secret verified (the tests expect none). */
  unverified: { headers: Record<string, string>; body: string; reason: string }[];
  /** Every request must verify with each of these secrets (rotation: the old and the new). */
  secrets: string[];
  /** The next answers, in order: a status and optional headers; afterwards 204. */
  answers: { status: number; headers?: Record<string, string>; body?: string }[];
  /** The received events of `type`, once `count` of them arrived (within `timeoutMs`). */
  waitFor(type: string, count?: number, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const receiver: Omit<WebhookReceiver, 'url' | 'close'> = {
    received: [],
    unverified: [],
    secrets: [],
    answers: [],
    waitFor: (type, count = 1, timeoutMs) =>
      eventually(
        async () => {
          const matching = receiver.received.filter((entry) => entry.event.type === type);
          return matching.length >= count ? matching : undefined;
        },
        `${count} ${type} event(s) at the receiver`,
        timeoutMs,
      ),
  };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(
        Object.entries(request.headers).map(([name, value]) => [name, String(value)]),
      );
      for (const secret of receiver.secrets) {
        try {
          new Webhook(secret).verify(body, headers);
        } catch (error) {
          receiver.unverified.push({ headers, body, reason: String(error) });
        }
      }
      const answer = receiver.answers.shift() ?? { status: 204 };
      receiver.received.push({
        headers,
        body,
        event: JSON.parse(body),
        answeredStatus: answer.status,
        at: performance.now(),
      });
      response.writeHead(answer.status, answer.headers).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}/hooks`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
