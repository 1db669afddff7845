import { execFileSync } from 'node:child_process';

// The slow-link scenario's network: a namespace of its own joined to this one by a veth pair. The
// namespace has one address per slow viewer, and the host end sends to each address at most 4 Mbit/s
// (an HTB class each, with a short FIFO: a phone on a thin link), so every slow viewer has a link of its
// own. The server listens on the host end's address: viewers in this namespace reach it over loopback
// (a local address), viewers inside the namespace through the pair. Only addresses of this pair are
// used, and everything is removed afterwards.

export const SLOW_LINK_RATE_MBIT = 4;
const NAMESPACE = 'cambench';
const HOST_DEVICE = 'cambench0';
const NS_DEVICE = 'cambench1';
/** The host end's address: where the server listens. */
export const SLOW_LINK_SERVER_ADDRESS = '10.213.77.1';
const NET = '10.213.77';
/** Queued in each link's FIFO at most: 50 ms at 4 Mbit/s. */
const LINK_QUEUE_BYTES = 25_000;

export interface SlowLink {
  namespace: string;
  serverAddress: string;
  /** The namespace's addresses: a viewer that connects from one gets that address's 4 Mbit/s. */
  viewerAddresses: string[];
  rateMbit: number;
  remove(): void;
}

function run(args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function tc(args: string[]): void {
  execFileSync('tc', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * Creates the namespace and the shaped link; throws with the reason (not root, no `ip` or `tc`, no
 * CAP_NET_ADMIN in a container) when it cannot. A leftover from an interrupted run is removed first.
 */
export function createSlowLink(viewers: number): SlowLink {
  removeSlowLink();
  const viewerAddresses = Array.from({ length: viewers }, (_, index) => `${NET}.${index + 2}`);
  try {
    run(['netns', 'add', NAMESPACE]);
    run(['link', 'add', HOST_DEVICE, 'type', 'veth', 'peer', 'name', NS_DEVICE, 'netns', NAMESPACE]);
    run(['addr', 'add', `${SLOW_LINK_SERVER_ADDRESS}/24`, 'dev', HOST_DEVICE]);
    // One packet per buffer, as on a real link: the queues below count packets of a link's size, and
    // TCP's 64 KB segments (veth offloads them) would not fit them.
    run(['link', 'set', HOST_DEVICE, 'gso_max_segs', '1']);
    run(['link', 'set', HOST_DEVICE, 'up']);
    for (const address of viewerAddresses)
      run(['-n', NAMESPACE, 'addr', 'add', `${address}/24`, 'dev', NS_DEVICE]);
    run(['-n', NAMESPACE, 'link', 'set', NS_DEVICE, 'up']);
    run(['-n', NAMESPACE, 'link', 'set', 'lo', 'up']);
    // Server to viewers: one HTB class of 4 Mbit/s per viewer address, each with a short FIFO.
    tc(['qdisc', 'add', 'dev', HOST_DEVICE, 'root', 'handle', '1:', 'htb']);
    viewerAddresses.forEach((address, index) => {
      const classId = `1:${index + 10}`;
      const rate = `${SLOW_LINK_RATE_MBIT}mbit`;
      tc([
        'class',
        'add',
        'dev',
        HOST_DEVICE,
        'parent',
        '1:',
        'classid',
        classId,
        'htb',
        'rate',
        rate,
        'ceil',
        rate,
      ]);
      tc(['qdisc', 'add', 'dev', HOST_DEVICE, 'parent', classId, 'bfifo', 'limit', String(LINK_QUEUE_BYTES)]);
      tc([
        'filter',
        'add',
        'dev',
        HOST_DEVICE,
        'parent',
        '1:',
        'protocol',
        'ip',
        'u32',
        'match',
        'ip',
        'dst',
        `${address}/32`,
        'flowid',
        classId,
      ]);
    });
  } catch (error) {
    removeSlowLink();
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(stderr || (error as Error).message);
  }
  return {
    namespace: NAMESPACE,
    serverAddress: SLOW_LINK_SERVER_ADDRESS,
    viewerAddresses,
    rateMbit: SLOW_LINK_RATE_MBIT,
    remove: removeSlowLink,
  };
}

/** Removes the namespace and the pair (deleting one end of a veth pair deletes both), if present. */
export function removeSlowLink(): void {
  for (const args of [
    ['link', 'del', HOST_DEVICE],
    ['netns', 'del', NAMESPACE],
  ]) {
    try {
      run(args);
    } catch {
      // not there
    }
  }
}
