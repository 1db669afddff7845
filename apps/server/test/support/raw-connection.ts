// Raw TCP connections to the server, for what an HTTP client would hide.
import { connect, type Socket } from 'node:net';
import { onCleanup } from './cleanup.js';

export interface RawConnection {
  socket: Socket;
  /** Everything the server sent, as latin1 text. */
  received(): string;
  /** Resolves with the ms from connecting to the connection's end, whoever ended it. */
  closed: Promise<number>;
}

/** A bare TCP connection to the server that reads (and keeps) whatever comes, sending only what the test writes. */
export function rawConnect(port: number): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1');
    onCleanup(() => socket.destroy());
    const closed = new Promise<number>((done) => socket.once('close', () => done(Date.now() - start)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk)); // reading is what lets 'end' and 'close' fire
    socket.on('error', () => {});
    socket.once('connect', () =>
      resolve({ socket, closed, received: () => Buffer.concat(chunks).toString('latin1') }),
    );
    socket.once('error', reject);
  });
}
