import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished, vi } from 'vitest';

// A small RTSP server for tests: an `ffmpeg` child encodes a test pattern to H.264 and sends it as RTP to
// local UDP ports; this server answers a client's OPTIONS, DESCRIBE (ffmpeg's own SDP), SETUP and PLAY,
// then relays every RTP packet to each playing client: over the RTSP connection ("interleaved", for
// `rtsp_transport tcp`), or as UDP datagrams to the client's ports (`rtsp_transport udp`). ffmpeg cannot serve RTSP to a pulling client itself (its `-rtsp_flags listen` is
// for receiving), and this keeps the tests free of an RTSP server package. With `credentials`, DESCRIBE
// wants Basic authentication and answers 401 without it.

export interface RtspSource {
  url: string;
  /** Clients whose RTSP connection is open. */
  readonly clients: number;
  /** Of those, the clients that set up RTP over UDP. */
  readonly udpClients: number;
}

export async function startRtspSource(
  options: { credentials?: { username: string; password: string }; size?: string; rate?: number } = {},
): Promise<RtspSource> {
  const dir = mkdtempSync(join(tmpdir(), 'cam-rtsp-'));
  const rtp = await bindUdp();
  const rtcp = await bindUdp();
  // What UDP clients get their RTP from (and send their RTCP reports to, which nobody reads).
  const udpRtp = await bindUdp();
  const udpRtcp = await bindUdp();
  const sdpFile = join(dir, 'stream.sdp');
  const encoder: ChildProcess = spawn(
    'ffmpeg',
    [
      ...['-hide_banner', '-nostdin', '-loglevel', 'error', '-re', '-f', 'lavfi'],
      ...['-i', `testsrc=size=${options.size ?? '320x240'}:rate=${options.rate ?? 15}`],
      ...[
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        '-tune',
        'zerolatency',
        '-g',
        '10',
        '-pix_fmt',
        'yuv420p',
      ],
      ...['-f', 'rtp', '-sdp_file', sdpFile],
      `rtp://127.0.0.1:${rtp.address().port}?rtcpport=${rtcp.address().port}&pkt_size=1200`,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const playing = new Set<Socket>();
  const connections = new Set<Socket>();
  /** The RTP port of each client that asked for UDP. */
  const udpClients = new Map<Socket, number>();
  rtp.on('message', (packet) => {
    const header = Buffer.from([0x24, 0, packet.length >> 8, packet.length & 0xff]);
    for (const socket of playing) {
      const port = udpClients.get(socket);
      if (port === undefined) socket.write(Buffer.concat([header, packet]));
      else udpRtp.send(packet, port, '127.0.0.1');
    }
  });
  const sdp = await vi.waitFor(() => readFileSync(sdpFile, 'utf8'), { timeout: 10_000, interval: 50 });
  const expectedAuth = options.credentials
    ? `Basic ${Buffer.from(`${options.credentials.username}:${options.credentials.password}`).toString('base64')}`
    : undefined;

  const server = createServer((socket) => {
    connections.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => {
      connections.delete(socket);
      playing.delete(socket);
      udpClients.delete(socket);
    });
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      for (let end = buffered.indexOf('\r\n\r\n'); end >= 0; end = buffered.indexOf('\r\n\r\n')) {
        const request = buffered.slice(0, end);
        buffered = buffered.slice(end + 4);
        answer(socket, request);
      }
    });
  });

  function answer(socket: Socket, request: string) {
    const [line = '', ...headerLines] = request.split('\r\n');
    const [method = '', uri = ''] = line.split(' ');
    const headers = Object.fromEntries(
      headerLines.map((h) => [
        h.slice(0, h.indexOf(':')).trim().toLowerCase(),
        h.slice(h.indexOf(':') + 1).trim(),
      ]),
    );
    const reply = (status: string, extra: Record<string, string> = {}, body = '') => {
      const head = {
        CSeq: headers.cseq ?? '0',
        ...extra,
        ...(body ? { 'Content-Length': String(body.length) } : {}),
      };
      socket.write(
        `RTSP/1.0 ${status}\r\n${Object.entries(head)
          .map(([k, v]) => `${k}: ${v}\r\n`)
          .join('')}\r\n${body}`,
      );
    };
    if (expectedAuth && method !== 'OPTIONS' && headers.authorization !== expectedAuth) {
      reply('401 Unauthorized', { 'WWW-Authenticate': 'Basic realm="camera"' });
      return;
    }
    switch (method) {
      case 'OPTIONS':
        return reply('200 OK', { Public: 'OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN' });
      case 'DESCRIBE': {
        const body = `${sdp
          .replace(/^m=video \d+/m, 'm=video 0')
          .replace(/^c=IN IP4 .*$/m, 'c=IN IP4 0.0.0.0')
          .trim()}\r\na=control:track0\r\n`.replace(/\r?\n/g, '\r\n');
        return reply('200 OK', { 'Content-Base': `${uri}/`, 'Content-Type': 'application/sdp' }, body);
      }
      case 'SETUP': {
        const transport = headers.transport ?? '';
        if (/TCP/i.test(transport))
          return reply('200 OK', { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1', Session: '12345678' });
        const ports = /client_port=(\d+)-(\d+)/.exec(transport);
        if (!ports) return reply('461 Unsupported Transport');
        udpClients.set(socket, Number(ports[1]));
        const serverPorts = `${udpRtp.address().port}-${udpRtcp.address().port}`;
        return reply('200 OK', {
          Transport: `RTP/AVP;unicast;client_port=${ports[1]}-${ports[2]};server_port=${serverPorts}`,
          Session: '12345678',
        });
      }
      case 'PLAY':
        playing.add(socket);
        return reply('200 OK', { Session: '12345678' });
      case 'TEARDOWN':
        playing.delete(socket);
        reply('200 OK', { Session: '12345678' });
        socket.end();
        return;
      default:
        return reply('501 Not Implemented');
    }
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onTestFinished(async () => {
    encoder.kill('SIGKILL');
    for (const socket of connections) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
    for (const udp of [rtp, rtcp, udpRtp, udpRtcp]) udp.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const { port } = server.address() as { port: number };
  return {
    url: `rtsp://127.0.0.1:${port}/live`,
    get clients() {
      return connections.size;
    },
    get udpClients() {
      return udpClients.size;
    },
  };
}

async function bindUdp(): Promise<UdpSocket> {
  const socket = createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return socket;
}
