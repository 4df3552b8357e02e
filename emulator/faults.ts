// Injected failures for the Zoom surface (never the admin API): a forced status, added latency,
// a firing rate drawn from the seeded PRNG, and drop_response_after_commit — the request is
// fully handled (a refresh rotates the token) but the socket is destroyed before the answer, the
// case that kills credentials with Zoom's strict rotation. With `body`, the forced status comes
// with that JSON body instead of Zoom's error shape (`200 {}`: a malformed success answer).
// hold_response_after_commit handles the request, then holds the computed answer until a test
// releases the fault: the answer arrives after whatever the test changed at Zoom meanwhile (a
// list page that is already stale when the caller reads it).

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
  hold_response_after_commit?: boolean | undefined;
  times?: number | undefined;
}

/** A fault as the admin API shows it: with the number of answers it holds right now. */
export type FaultView = Fault & { held: number };

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
  /** Per fault id, the held answers' release callbacks (outlives the fault when `times` ran out). */
  const held = new Map<string, (() => void)[]>();
  const view = (fault: Fault): FaultView => ({ ...fault, held: held.get(fault.id)?.length ?? 0 });
  const releaseHeld = (faultId: string): number => {
    const waiting = held.get(faultId) ?? [];
    held.delete(faultId);
    for (const release of waiting) release();
    return waiting.length;
  };
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
        hold_response_after_commit: input.hold_response_after_commit ?? false,
        remaining: input.times ?? null,
      };
      state.faults.push(fault);
      return view(fault);
    },

    /** Removes every fault and lets every held answer go. */
    clear(): void {
      state.faults.length = 0;
      for (const faultId of [...held.keys()]) releaseHeld(faultId);
    },

    list: (): FaultView[] => state.faults.map(view),

    /** Waits until the fault is released: the caller then sends its (already computed) answer. */
    hold(faultId: string): Promise<void> {
      return new Promise((resolve) => {
        const waiting = held.get(faultId) ?? [];
        waiting.push(resolve);
        held.set(faultId, waiting);
      });
    },

    /**
     * Removes the fault (it holds nothing more) and sends every answer it held; null when there is
     * no such fault and nothing held for it.
     */
    release(faultId: string): { released: number } | null {
      const index = state.faults.findIndex((fault) => fault.id === faultId);
      if (index === -1 && !held.has(faultId)) return null;
      if (index !== -1) state.faults.splice(index, 1);
      return { released: releaseHeld(faultId) };
    },

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
