import type { ServerResponse } from 'node:http';

// A stream's parts are written to its socket, not through `res` (see part-writer.ts): whether it is
// backed up, and when it drains, is the socket's to say.

/** True while `res`'s socket holds bytes in this process past its high-water mark: the kernel took no more. */
export function backlogged(res: ServerResponse): boolean {
  const socket = res.socket;
  return socket?.writableNeedDrain === true && socket.writableLength > 0;
}

/** Resolves when `res`'s socket drains or `res` closes, whichever comes first, leaving no listener behind. */
export function drained(res: ServerResponse): Promise<void> {
  const socket = res.socket;
  if (!socket) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done);
      res.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    res.on('close', done);
  });
}
