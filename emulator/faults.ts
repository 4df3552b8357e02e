// Injected failures for the Zoom surface (never the admin API): a forced status, added latency,
// a firing rate drawn from the seeded PRNG, and drop_response_after_commit — the request is
// fully handled (a refresh rotates the token) but the socket is destroyed before the answer, the
// case that kills credentials with Zoom's strict rotation. With `body`, the forced status comes
// with that JSON body instead of Zoom's error shape (`200 {}`: a malformed success answer).

import type { Fault } from './model.ts';
import type { EmulatorState } from './state.ts';

export interface FaultInput {
  path_pattern: string;
  method?: string | undefined;
  status?: number | undefined;
  body?: unknown;
  latency_ms?: number | undefined;
  rate?: number | undefined;
  drop_response_after_commit?: boolean | undefined;
  times?: number | undefined;
}

/**
 * A pattern with `{name}` segments matches the route template (`/v2/meetings/{meetingId}`);
 * otherwise `*` matches any run of characters in the request path (query string excluded).
 */
export function patternMatches(
  pattern: string,
  path: string,
  routeTemplate: string | null,
): boolean {
  if (pattern.includes('{')) return pattern === routeTemplate;
  if (!pattern.includes('*')) return pattern === path;
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`).test(path);
}

export function createFaultInjector(deps: { state: EmulatorState }) {
  const { state } = deps;
  return {
    add(input: FaultInput): Fault {
      const fault: Fault = {
        id: state.newId(),
        path_pattern: input.path_pattern,
        method: input.method?.toUpperCase() ?? null,
        status: input.status ?? null,
        body: input.body === undefined ? null : { json: input.body },
        latency_ms: input.latency_ms ?? 0,
        rate: input.rate ?? 1,
        drop_response_after_commit: input.drop_response_after_commit ?? false,
        remaining: input.times ?? null,
      };
      state.faults.push(fault);
      return fault;
    },

    clear(): void {
      state.faults.length = 0;
    },

    list: (): Fault[] => state.faults,

    /** The fault that fires for this request, if any (rolls the rate, counts down `times`). */
    pick(method: string, path: string, routeTemplate: string | null): Fault | null {
      for (const fault of state.faults) {
        if (fault.method !== null && fault.method !== method) continue;
        if (!patternMatches(fault.path_pattern, path, routeTemplate)) continue;
        if (fault.rate < 1 && state.random.next() >= fault.rate) continue;
        if (fault.remaining !== null) {
          fault.remaining -= 1;
          if (fault.remaining <= 0) state.faults.splice(state.faults.indexOf(fault), 1);
        }
        return fault;
      }
      return null;
    },
  };
}

export type FaultInjector = ReturnType<typeof createFaultInjector>;
