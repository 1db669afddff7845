import { existsSync, readFileSync } from 'node:fs';

/**
 * True while the process `pid` runs: for tests that a driver leaves no child behind. A zombie (exited,
 * not yet reaped by its parent, as an orphan may be in a container whose init does not reap) counts as
 * gone where /proc tells (Linux); a process of another user, which may not be signalled, as running.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
  }
  if (!existsSync('/proc/self/stat')) return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false; // gone between the two checks
  }
}
