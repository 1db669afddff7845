import { expect, test } from 'vitest';
import { parseCpuTicks, parseFileLimits, parseNetTcp, parseRss, parseSchedstatNs } from '../src/proc.js';

test('parseCpuTicks counts fields from the last parenthesis, whatever the command name', () => {
  const stat =
    '4242 (node (a) b) S 1 4242 4242 0 -1 4194304 2718 0 0 0 157 42 0 0 20 0 11 0 123456 1234567890 12345 ' +
    '18446744073709551615 1 1 0 0 0 0 0 16781312 17922 0 0 0 17 1 0 0 0 0 0';
  expect(parseCpuTicks(stat)).toEqual({ user: 157, system: 42 });
  expect(() => parseCpuTicks('garbage')).toThrow();
});

test('parseRss reads VmRSS in bytes', () => {
  expect(parseRss('Name:\tnode\nVmPeak:\t  100 kB\nVmRSS:\t   51200 kB\nThreads:\t11\n')).toBe(51200 * 1024);
  expect(() => parseRss('Name:\tnode\n')).toThrow();
});

test('parseSchedstatNs reads the run time', () => {
  expect(parseSchedstatNs('81718656 83096620 260\n')).toBe(81_718_656);
});

test('parseNetTcp reads ports and queues', () => {
  const text = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0',
    '   1: 0100007F:1F90 0100007F:C350 01 003D0900:00000000 01:00000014 00000000     0        0 2 1 0 20 4 30 10 -1',
    '   2: 0100007F:C350 0100007F:1F90 01 00000000:0001E240 00:00000000 00000000     0        0 3 1 0 20 4 30 10 -1',
    '',
  ].join('\n');
  expect(parseNetTcp(text)).toEqual([
    { localPort: 8080, remotePort: 0, txQueue: 0, rxQueue: 0 },
    { localPort: 8080, remotePort: 50000, txQueue: 4_000_000, rxQueue: 0 },
    { localPort: 50000, remotePort: 8080, txQueue: 0, rxQueue: 123_456 },
  ]);
});

test('parseFileLimits reads the soft and hard limits on open files', () => {
  const limits = [
    'Limit                     Soft Limit           Hard Limit           Units     ',
    'Max processes             95616                95616                processes ',
    'Max open files            1024                 524288               files     ',
  ].join('\n');
  expect(parseFileLimits(limits)).toEqual({ soft: 1024, hard: 524_288 });
  expect(
    parseFileLimits('Max open files            unlimited            unlimited            files'),
  ).toEqual({
    soft: Number.POSITIVE_INFINITY,
    hard: Number.POSITIVE_INFINITY,
  });
  expect(parseFileLimits('')).toBeUndefined();
});
