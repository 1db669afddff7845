/**
 * Exponential backoff: the delay before retry number `failures` (1 for the first failure) is
 * `initial * 2^(failures-1)`, capped at `max`.
 */
export function retryDelay(failures: number, initial: number, max: number): number {
  if (failures <= 0) return 0;
  return Math.min(max, initial * 2 ** Math.min(failures - 1, 30));
}
