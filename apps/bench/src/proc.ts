import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

// What the benchmark reads about its processes and sockets from Linux's /proc.

/** Clock ticks per second of utime/stime in /proc/<pid>/stat (`getconf CLK_TCK`, 100 on Linux). */
export const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime and stime from the text of /proc/<pid>/stat, in clock ticks. */
export function parseCpuTicks(stat: string): { user: number; system: number } {
  // The command name (field 2) is in parentheses and may hold spaces or parentheses: fields are counted
  // from the last ")". After it come field 3 (state) ... field 14 (utime), field 15 (stime).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const user = Number(fields[14 - 3]);
  const system = Number(fields[15 - 3]);
  if (!Number.isFinite(user) || !Number.isFinite(system)) throw new Error(`unreadable /proc stat: ${stat}`);
  return { user, system };
}

/** VmRSS from the text of /proc/<pid>/status, in bytes. */
export function parseRss(status: string): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!match) throw new Error('no VmRSS in /proc status');
  return Number(match[1]) * 1024;
}

/**
 * CPU time the process has used, in milliseconds: the sum of its threads' run time from
 * /proc/<pid>/task/<tid>/schedstat (nanoseconds), which is what utime + stime in /proc/<pid>/stat count
 * in clock ticks (10 ms) — too coarse to compare two servers over a few seconds. Falls back to utime +
 * stime where schedstat is missing.
 */
export function cpuMs(pid: number): number {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += parseSchedstatNs(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'latin1'));
      } catch {
        // the thread ended between the listing and the read
      }
    }
    if (ns > 0) return ns / 1e6;
  } catch {
    // no schedstat: below
  }
  const { userMs, systemMs } = statCpu(pid);
  return userMs + systemMs;
}

/** utime and stime from /proc/<pid>/stat, in milliseconds (clock-tick resolution). */
export function statCpu(pid: number): { userMs: number; systemMs: number } {
  const { user, system } = parseCpuTicks(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  return { userMs: (user * 1000) / CLOCK_TICKS, systemMs: (system * 1000) / CLOCK_TICKS };
}

/** Time spent running, in nanoseconds, from the text of /proc/<pid>/task/<tid>/schedstat. */
export function parseSchedstatNs(schedstat: string): number {
  const ns = Number(schedstat.split(' ', 1)[0]);
  if (!Number.isFinite(ns)) throw new Error(`unreadable schedstat: ${schedstat}`);
  return ns;
}

export function rssBytes(pid: number): number {
  return parseRss(readFileSync(`/proc/${pid}/status`, 'latin1'));
}

/** One TCP socket as /proc/net/tcp lists it (IPv4). */
export interface TcpSocket {
  localPort: number;
  remotePort: number;
  /** Bytes the kernel holds to send: written by the process, not yet acknowledged by the peer. */
  txQueue: number;
  /** Bytes the kernel holds received, not yet read by the process. */
  rxQueue: number;
}

/** The sockets in the text of /proc/net/tcp. */
export function parseNetTcp(text: string): TcpSocket[] {
  const sockets: TcpSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 5) continue;
    const [, local, remote, , queues] = fields;
    const [tx, rx] = queues!.split(':');
    sockets.push({
      localPort: Number.parseInt(local!.split(':')[1]!, 16),
      remotePort: Number.parseInt(remote!.split(':')[1]!, 16),
      txQueue: Number.parseInt(tx!, 16),
      rxQueue: Number.parseInt(rx!, 16),
    });
  }
  return sockets;
}

export function tcpSockets(): TcpSocket[] {
  return parseNetTcp(readFileSync('/proc/net/tcp', 'latin1'));
}

/** The soft and hard limits on open files, from the text of /proc/<pid>/limits. */
export function parseFileLimits(limits: string): { soft: number; hard: number } | undefined {
  const match = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(limits);
  if (!match) return undefined;
  const value = (text: string) => (text === 'unlimited' ? Number.POSITIVE_INFINITY : Number(text));
  return { soft: value(match[1]!), hard: value(match[2]!) };
}

/** This process's limits on open files (its children inherit them); undefined where /proc has none. */
export function fileLimits(): { soft: number; hard: number } | undefined {
  try {
    return parseFileLimits(readFileSync('/proc/self/limits', 'latin1'));
  } catch {
    return undefined;
  }
}
