import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface Machine {
  date: string;
  nproc: number;
  cpu: string;
  memory: string;
  node: string;
  kernel: string;
  /** Load average over the last minute when the run began: how busy the shared machine already was. */
  loadAverage: number;
}

export function describeMachine(): Machine {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu;
  } catch {
    // not Linux: os.cpus() said it
  }
  return {
    date: new Date().toISOString(),
    nproc: os.availableParallelism(),
    cpu,
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    kernel: `${os.type()} ${os.release()}`,
    loadAverage: os.loadavg()[0]!,
  };
}
