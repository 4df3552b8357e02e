import { parse as parseForm } from 'node:querystring';
import fastifyFormBody from '@fastify/formbody';
import type { FastifyInstance } from 'fastify';
import { BadRequestError, UnsupportedMediaTypeError } from '../errors.ts';

/**
 * How deeply a JSON body may nest objects and arrays. Zoom's events nest five or six levels and
 * this API's bodies fewer; a body nested thousands deep is an attack on whatever walks it next
 * (hashing, JSONB, serialisation recurse and overflow the stack).
 */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether JSON text opens more than `limit` objects or arrays inside one another: one pass over
 * the text, no recursion, strings skipped (by indexOf: long strings cost little). Run before
 * parsing, so nothing deep is ever built.
 */
export function jsonNestingExceeds(text: string, limit = MAX_JSON_DEPTH): boolean {
  if (text.length <= limit) return false;
  let depth = 0;
  for (let index = 0; index < text.length; index += 1) {
    const char = text.charCodeAt(index);
    if (char === QUOTE) {
      index = endOfString(text, index);
      if (index < 0) return false; // unterminated: JSON.parse refuses it
    } else if (char === OPEN_BRACE || char === OPEN_BRACKET) {
      depth += 1;
      if (depth > limit) return true;
    } else if (char === CLOSE_BRACE || char === CLOSE_BRACKET) {
      depth -= 1;
    }
  }
  return false;
}

/** The index of the quote that closes the string opened at `start` (-1 if none). */
function endOfString(text: string, start: number): number {
  let end = text.indexOf('"', start + 1);
  // A quote after an odd run of backslashes is escaped, part of the string.
  while (end !== -1 && backslashesBefore(text, end) % 2 === 1) end = text.indexOf('"', end + 1);
  return end;
}

function backslashesBefore(text: string, index: number): number {
  let count = 0;
  while (text.charCodeAt(index - count - 1) === BACKSLASH) count += 1;
  return count;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

export function tooDeepError(): BadRequestError {
  return new BadRequestError(
    `JSON parse error - the body nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep.`,
  );
}

const looksLikeJson = (body: string) => /^\s*[[{]/.test(body);

/**
 * The 415 for a body the API cannot read, with what to send instead. A JSON body sent without
 * its type is the usual case (`curl -d '{…}'` sends it as a form, fetch as text/plain): read as
 * a form it would come back as a list of "required" and "unknown" fields that hides the mistake.
 */
export function unsupportedMediaTypeError(
  contentType: string | undefined,
  body: string,
): UnsupportedMediaTypeError {
  const received =
    contentType === undefined || contentType === ''
      ? 'No Content-Type in request.'
      : `Unsupported media type "${contentType}" in request.`;
  return new UnsupportedMediaTypeError(
    looksLikeJson(body)
      ? `${received} The body looks like JSON: send Content-Type: application/json.`
      : `${received} Send JSON with Content-Type: application/json.`,
  );
}

/**
 * The API's request bodies: JSON (depth-limited), forms (not JSON text sent as a form), and a
 * clear 415 for any other type or none.
 */
export async function installBodyParsers(app: FastifyInstance, bodyLimit: number): Promise<void> {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = String(body);
    if (jsonNestingExceeds(text)) done(tooDeepError(), undefined);
    else parseJson(request, text, done);
  });
  await app.register(fastifyFormBody, {
    bodyLimit,
    parser: (body) => {
      if (looksLikeJson(body))
        throw unsupportedMediaTypeError('application/x-www-form-urlencoded', body);
      return parseForm(body);
    },
  });
  // Any other type, or none: answered here rather than by Fastify, to say what to send instead.
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
    // An unknown path is "not found" whatever its body.
    if (request.is404) done(null, undefined);
    else done(unsupportedMediaTypeError(request.headers['content-type'], String(body)), undefined);
  });
}
