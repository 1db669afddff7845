// Polling, and the JSON the server answers (its state API).
import { vi } from 'vitest';

/**
 * vi.waitFor for a value: calls `check` every `interval` ms until it returns something other than
 * undefined/false (or stops throwing), and returns that; rejects after `timeout` naming `message`.
 */
export function waitFor<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  options: { timeout?: number; interval?: number; message?: string } = {},
): Promise<T> {
  const { timeout = 5000, interval = 50, message = 'a condition' } = options;
  return vi.waitFor(
    async () => {
      const result = await check();
      if (result === undefined || result === false)
        throw new Error(`waiting for ${message} (last: ${String(result)})`);
      return result;
    },
    { timeout, interval },
  );
}

export interface JsonResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * The JSON bodies the server answers, all in one type for brevity: each route sends some of these
 * fields (`/api/cameras` its cameras, an error its error, `/healthz` and `/readyz` a status).
 */
export interface ApiBody {
  cameras: CameraStateJson[];
  error: { code: string; message: string; parameter?: string };
  status: string;
}

/** GETs `url` and parses its JSON body; fails if the response is not `application/json`. */
export async function getJson<T = ApiBody>(url: string, timeout = 5000): Promise<JsonResponse<T>> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeout) });
  const type = res.headers.get('content-type') ?? '';
  const text = await res.text();
  if (!type.startsWith('application/json')) {
    throw new Error(`${url}: ${res.status} ${type}, not JSON: ${text.slice(0, 200)}`);
  }
  return { status: res.status, headers: res.headers, body: JSON.parse(text) as T };
}

/** One camera of `GET /api/cameras`, as the server reports it. */
export interface CameraStateJson {
  id: string;
  driver: string;
  status: 'idle' | 'starting' | 'running' | 'stopping' | 'error' | 'closed';
  lastError: { code: string; message: string; at: string } | null;
  retryAt: string | null;
  fps: number;
  frameBytes: number | null;
  resolution: { width: number; height: number } | null;
  framesCaptured: number;
  framesSkipped: number;
  uptimeSeconds: number;
  lastFrameAt: string | null;
  viewers: {
    address: string | null;
    connectedAt: string;
    framesSent: number;
    framesSkipped: number;
    fps: number;
  }[];
}

/** `GET /api/cameras/:id`, expecting a 200. */
export async function cameraStateOf(url: string, id: string): Promise<CameraStateJson> {
  const res = await getJson<CameraStateJson>(`${url}/api/cameras/${id}`);
  if (res.status !== 200)
    throw new Error(`GET /api/cameras/${id}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}
