import { readdirSync, readlinkSync } from 'node:fs';

// What a process holds open, to tell whether a driver opened something: file descriptors (Linux lists
// them in /proc/self/fd, where even a synchronous open shows) and Node's active resources (an open in
// flight, a child process, a socket). Timers are left out: they hold no device.

const FD_DIR = '/proc/self/fd';
const NOT_DEVICES = new Set(['Timeout', 'Immediate', 'TTYWrap']);

export interface ResourceSnapshot {
  /** Open file descriptors and what each points at. */
  fds: Map<string, string>;
  /** Node's active resources by type, without timers. */
  resources: Map<string, number>;
}

/** What is open now. */
export function snapshotResources(): ResourceSnapshot {
  return { fds: openFds(), resources: activeResources() };
}

/** What is open now and was not in `before`, described for a message (`file descriptor 23 -> /dev/video0`). */
export function openedSince(before: ResourceSnapshot): string[] {
  const now = snapshotResources();
  const opened = [...now.fds.entries()]
    .filter(([fd, target]) => before.fds.get(fd) !== target)
    .map(([fd, target]) => `file descriptor ${fd} -> ${target}`);
  for (const [type, count] of now.resources) {
    const added = count - (before.resources.get(type) ?? 0);
    if (added > 0) opened.push(`${added} new ${type}`);
  }
  return opened;
}

/** Open file descriptors and what they point at; empty where /proc is missing. */
function openFds(): Map<string, string> {
  const fds = new Map<string, string>();
  let entries: string[];
  try {
    entries = readdirSync(FD_DIR);
  } catch {
    return fds;
  }
  for (const fd of entries) {
    try {
      fds.set(fd, readlinkSync(`${FD_DIR}/${fd}`));
    } catch {
      // closed meanwhile, or the descriptor of the listing itself
    }
  }
  return fds;
}

function activeResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) {
    if (!NOT_DEVICES.has(type)) counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  return counts;
}
