// Facts a route learns about a request (which client, which grant type) that the request log
// records once the answer is known. A WeakMap, so nothing outlives the request.

import type { FastifyRequest } from 'fastify';

export interface RequestNote {
  client_id?: string;
  grant_type?: string;
  /** The grant a successful refresh_token exchange rotated. */
  refreshed_grant_id?: string;
  /** Set by the fault injector: destroy the socket instead of sending the (committed) answer. */
  drop_response?: boolean;
  /** Set by the fault injector: the fault whose release this (computed) answer waits for. */
  hold_for_fault?: string;
}

export function createRequestNotes() {
  const notes = new WeakMap<FastifyRequest, RequestNote>();
  return {
    add(request: FastifyRequest, note: RequestNote): void {
      notes.set(request, { ...notes.get(request), ...note });
    },
    get: (request: FastifyRequest): RequestNote => notes.get(request) ?? {},
  };
}

export type RequestNotes = ReturnType<typeof createRequestNotes>;
