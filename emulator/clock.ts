// The emulator's clock. Emulator time = wall time + accumulated advance, so real time keeps
// flowing (a client hammering an endpoint sees per-second rate limits reset as in Zoom), while
// tests jump forward over expiries and webhook retry delays with `advance`. `freeze` pins the
// clock for tests that must not straddle a second boundary (e.g. counting QPS hits).

export interface ClockState {
  offsetMs: number;
  frozenAtMs: number | null;
}

export interface EmulatorClock {
  nowMs(): number;
  nowIso(): string;
  advance(seconds: number): void;
  freeze(): void;
  unfreeze(): void;
  isFrozen(): boolean;
  snapshot(): ClockState;
}

export function createEmulatorClock(
  initial: ClockState = { offsetMs: 0, frozenAtMs: null },
  wallNowMs: () => number = Date.now,
): EmulatorClock {
  let offsetMs = initial.offsetMs;
  let frozenAtMs = initial.frozenAtMs;
  const nowMs = (): number => frozenAtMs ?? wallNowMs() + offsetMs;
  return {
    nowMs,
    nowIso: () => new Date(nowMs()).toISOString(),
    advance(seconds) {
      if (frozenAtMs !== null) frozenAtMs += seconds * 1000;
      else offsetMs += seconds * 1000;
    },
    freeze() {
      if (frozenAtMs === null) frozenAtMs = nowMs();
    },
    unfreeze() {
      if (frozenAtMs === null) return;
      // Resume from the frozen instant: wall time continues from here.
      offsetMs = frozenAtMs - wallNowMs();
      frozenAtMs = null;
    },
    isFrozen: () => frozenAtMs !== null,
    snapshot: () => ({ offsetMs, frozenAtMs }),
  };
}
