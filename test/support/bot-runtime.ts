import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';

/** One request a bot runtime received, and what it answered (null: it never answered). */
export interface RuntimeRequest {
  headers: IncomingHttpHeaders;
  body: string;
  botId: string;
  status: number | null;
}

/**
 * A bot runtime on loopback for `HOSTPASS_BOT_RUNNER=http`. `answer` picks each request's HTTP
 * status from the bot and how many requests for that bot came before; 'hang' never answers.
 */
export async function startBotRuntime(
  answer: (request: {
    botId: string;
    metadata: Record<string, unknown>;
    nth: number;
  }) => number | 'hang',
) {
  const requests: RuntimeRequest[] = [];
  const hanging = new Set<ServerResponse>();
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const parsed = JSON.parse(body) as { bot: { id: string; metadata: Record<string, unknown> } };
      const botId = parsed.bot.id;
      const nth = requests.filter((each) => each.botId === botId).length;
      const entry: RuntimeRequest = { headers: request.headers, body, botId, status: null };
      requests.push(entry);
      const status = answer({ botId, metadata: parsed.bot.metadata, nth });
      if (status === 'hang') {
        hanging.add(response);
        return;
      }
      entry.status = status;
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/bots`,
    requests,
    /** The requests for one bot, in the order received. */
    of: (botId: string) => requests.filter((each) => each.botId === botId),
    async close() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export type BotRuntime = Awaited<ReturnType<typeof startBotRuntime>>;
