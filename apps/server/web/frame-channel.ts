/**
 * The grid's one WebSocket for every tile's frames (see the server's frame-socket.ts for the protocol).
 * Tells the server which cameras are wanted now and at what rate, paints each frame it gets into its
 * tile, and says so once painted: the server then sends that tile's newest frame, never a backlog.
 */
export class FrameChannel {
  #socket: WebSocket | undefined;
  #watch: Record<string, number> = {};
  readonly #url: string;
  readonly #paint: (camera: string, frame: Blob) => Promise<void>;
  readonly #decoder = new TextDecoder();
  #leaving = false;

  constructor(root: string, paint: (camera: string, frame: Blob) => Promise<void>) {
    this.#url = new URL(`${root}api/frames`, location.href).href.replace(/^http/, 'ws');
    this.#paint = paint;
    this.#connect();
    // Not while the page is in the back/forward cache: the server would keep sending its tiles.
    addEventListener('pagehide', () => {
      this.#leaving = true;
      this.#socket?.close();
    });
    addEventListener('pageshow', (event) => {
      if (!event.persisted) return;
      this.#leaving = false;
      this.#connect();
    });
  }

  /** The cameras wanted now, each with its rate (0: the camera's own); every other camera stops. */
  watch(cameras: Record<string, number>): void {
    this.#watch = cameras;
    if (this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(JSON.stringify({ watch: cameras }));
  }

  #connect(): void {
    const socket = new WebSocket(this.#url);
    socket.binaryType = 'arraybuffer';
    this.#socket = socket;
    socket.onopen = () => socket.send(JSON.stringify({ watch: this.#watch }));
    socket.onmessage = (event) => {
      const data = new Uint8Array(event.data as ArrayBuffer);
      const idLength = data[0]!;
      const camera = this.#decoder.decode(data.subarray(1, 1 + idLength));
      const jpeg = new Blob([data.subarray(1 + idLength)], { type: 'image/jpeg' });
      this.#paint(camera, jpeg)
        .catch(() => undefined) // a frame the browser cannot decode: the next one may do
        .finally(() => {
          if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ painted: camera }));
        });
    };
    socket.onclose = () => {
      if (!this.#leaving) setTimeout(() => this.#connect(), 1000);
    };
  }
}
