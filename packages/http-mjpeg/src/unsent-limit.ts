import { createRequire } from 'node:module';
import type { Socket } from 'node:net';

// TCP_NOTSENT_LOWAT on a stream's socket: the kernel then takes only this many bytes beyond what is in
// flight, and the rest of a frame waits in this process, where the stream handler sees that the viewer
// has not drained and skips frames for it. Without it a viewer on a thin link (a phone on 4 Mbit/s) is
// sent frames from a send buffer that holds a second or more of old ones. Node has no setsockopt, so
// this calls libc's through koffi, an optional dependency; where koffi or Linux is missing it does
// nothing, and `sysctl net.ipv4.tcp_notsent_lowat=65536` sets the same for every socket instead.

/** The default: two frames of a 640x480 camera. Lower is fresher on slow links, at more wake-ups. */
export const DEFAULT_MAX_UNSENT_BYTES = 64 * 1024;

const IPPROTO_TCP = 6;
const TCP_NOTSENT_LOWAT = 25; // linux/tcp.h

type SetSockOpt = (fd: number, level: number, name: number, value: Int32Array, length: number) => number;

let setsockopt: SetSockOpt | null | undefined;

function loadSetsockopt(): SetSockOpt | null {
  if (setsockopt !== undefined) return setsockopt;
  setsockopt = null;
  if (process.platform !== 'linux') return null;
  try {
    const koffi = createRequire(import.meta.url)('koffi') as {
      load(name: string): { func(signature: string): SetSockOpt };
    };
    setsockopt = koffi
      .load('libc.so.6')
      .func('int setsockopt(int fd, int level, int name, const void *value, uint32_t length)');
  } catch {
    // koffi not installed (it is optional) or no glibc: the sysctl is the fallback
  }
  return setsockopt;
}

/**
 * Limits the bytes `socket` lets wait unsent in the kernel to `bytes`. Returns false when it cannot
 * (no koffi, not Linux, not a TCP socket with a file descriptor).
 */
export function limitUnsentBytes(socket: Socket, bytes = DEFAULT_MAX_UNSENT_BYTES): boolean {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) return false;
  const call = loadSetsockopt();
  if (!call) return false;
  return call(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, new Int32Array([bytes]), 4) === 0;
}
