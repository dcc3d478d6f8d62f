/** Capped exponential back-off: `baseMs`, doubling per attempt, at most `maxMs` (attempt 1 is `baseMs`). */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
}
