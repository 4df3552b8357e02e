import type { FastifyError, FastifyInstance } from 'fastify';

/**
 * For routes whose caller signs the body (Zoom's webhooks, Attendee's callbacks): JSON arrives as
 * the raw bytes the signature covers, parsed by the route only after it verified them, and a body
 * over `limitBytes` answers 413 naming this limit (the server-wide handler would name the
 * server-wide one). Call it in the routes' own plugin: it applies to that plugin alone.
 */
export function keepRawJsonBody(app: FastifyInstance, limitBytes: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) =>
    done(null, body),
  );
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply
        .code(413)
        .send({ detail: `Request body is larger than the ${limitBytes / 1024} KiB limit.` });
    }
    // Everything else goes to the server-wide handler.
    throw error;
  });
}
