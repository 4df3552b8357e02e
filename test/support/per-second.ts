/**
 * Instants (ms) counted per second: the busiest second and the mean over the seconds from the
 * first to the last (issue 17's ratio, for unit tests of scheduling and pacing).
 */
export function perSecond(instants: readonly number[]) {
  const counts = new Map<number, number>();
  for (const at of instants) {
    const second = Math.floor(at / 1000);
    counts.set(second, (counts.get(second) ?? 0) + 1);
  }
  const seconds = [...counts.keys()];
  const span = Math.max(...seconds) - Math.min(...seconds) + 1;
  return { busiest: Math.max(...counts.values()), mean: instants.length / span, span };
}
