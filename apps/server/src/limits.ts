import { availableParallelism, totalmem } from 'node:os';

const MIB = 2 ** 20;

/**
 * The default cap on viewers in all (streams and snapshot waiters), sized for the machine:
 * `min(250 × CPU cores, total memory / 4 MiB)`, at least 10. 250 viewers of a 30 fps camera are about a
 * quarter of a core's time (apps/bench); a viewer that stops reading can pin about 4 MiB of kernel send
 * buffer until it is closed as stalled. A Raspberry Pi 4 with 1 GiB gets 256, a 2-core 24 GiB machine 500.
 */
export function defaultMaxViewers(cores = availableParallelism(), memory = totalmem()): number {
  return Math.max(10, Math.min(250 * cores, Math.floor(memory / (4 * MIB))));
}
