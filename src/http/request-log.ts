import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

/**
 * One log line per request, naming the route TEMPLATE (`/oauth/zoom/connect/:token`), never the
 * URL: a Connect link's token sits in its path and a token URL's signature in its query, and
 * either is as good as a credential to whoever reads the logs. A request no route matched has no
 * template: its path is logged with every segment that is not a word of some route's path
 * replaced by `*`, so a mistyped link (a token with a slash appended) stays out of the log too.
 * `logger`: the server's, whose level the requests' loggers share (no route sets its own).
 */
export function installRequestLog(
  app: FastifyInstance,
  logger: Pick<Logger, 'isLevelEnabled'>,
): void {
  const routeWords = new Set<string>();
  // Registered before the routes, so that it sees every one of them.
  app.addHook('onRoute', (route) => {
    for (const segment of route.url.split('/')) {
      if (segment && !segment.startsWith(':') && !segment.includes('*')) routeWords.add(segment);
    }
  });
  // A callback, not an async function: one promise less per request.
  app.addHook('onResponse', (request, reply, done) => {
    // Below `info` (LOG_LEVEL=warn, say) the line would be dropped: do not build it.
    if (!logger.isLevelEnabled('info')) return done();
    const route = request.routeOptions.url;
    request.log.info(
      {
        method: request.method,
        route: route ?? null,
        ...(route === undefined && { path: redactedPath(request.url, routeWords) }),
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request',
    );
    done();
  });
}

/** The path without its query, each segment kept only if it is one of `words`. */
export function redactedPath(url: string, words: ReadonlySet<string>): string {
  const path = url.split('?')[0] ?? '';
  return path
    .split('/')
    .map((segment) => (segment === '' || words.has(segment) ? segment : '*'))
    .join('/');
}
