import type { Recorder, ReplayBuffer } from '@cam/recorder';
import type { Logger } from 'pino';
import type { CameraEntry } from './cameras.js';
import type { CameraConfig, ServerConfig } from './config.js';

/** `replayBytes` when only `replaySeconds` is set. */
export const DEFAULT_REPLAY_BYTES = 64 * 1024 * 1024;
/**
 * A recording camera keeps at least this much in memory even without `replaySeconds`: the segment being
 * written reaches the disk a cluster (1 s, the recorder's default) at a time, so a `?at=` stream that
 * catches up with the files plays the last seconds from memory, then joins live without a gap. A cluster
 * and its write, with room for a slow disk, and no more: every frame held this long outlives V8's young
 * generation, and at 5 s the old-generation GC of the held frames made recording cost 1.25-1.37x the CPU
 * of not recording (`pnpm bench`, `recording`; 1.1x at 0.5 s).
 */
const BRIDGE_MS = 2500;
const BRIDGE_BYTES = 16 * 1024 * 1024;

/** @cam/recorder, which the server loads only when a camera records or keeps a replay. */
type RecorderPackage = typeof import('@cam/recorder');

/** Segments deleted by retention, per recorder: for the metrics. */
const deletedSegments = new WeakMap<Recorder, number>();

/**
 * Gives each camera what its config asks for: a {@link Recorder} (`record.mode: continuous`) and a
 * {@link ReplayBuffer} (`replaySeconds`, or a short one bridging a recording to live). Nothing is started:
 * see {@link startRecorders}. A recorder's failures and recoveries are logged once each.
 */
export async function withRecording(
  entries: readonly CameraEntry[],
  config: Pick<ServerConfig, 'cameras' | 'recordings'>,
  logger: Logger,
): Promise<CameraEntry[]> {
  const needed = config.cameras.some(
    (camera) => (camera.record && camera.record.mode !== 'off') || camera.replayMs !== undefined,
  );
  if (!needed) return entries.map((entry) => ({ ...entry, recorder: undefined, replay: undefined }));
  const recorderPackage = await import('@cam/recorder');
  return entries.map((entry, index) => {
    const camera = config.cameras[index]!;
    const recorder = createRecorder(recorderPackage, entry, camera, config.recordings?.maxBytes, logger);
    const replay = createReplay(recorderPackage, entry, camera, recorder !== undefined);
    return { ...entry, recorder, replay };
  });
}

function createRecorder(
  { Recorder }: RecorderPackage,
  entry: CameraEntry,
  config: CameraConfig,
  totalMaxBytes: number | undefined,
  logger: Logger,
): Recorder | undefined {
  const record = config.record;
  if (!record || record.mode === 'off') return undefined;
  const recorder = new Recorder(entry.camera, {
    dir: record.dir,
    name: entry.id,
    segmentSeconds: record.segmentSeconds,
    retain: record.retain,
    ...(totalMaxBytes === undefined ? {} : { totalMaxBytes }),
  });
  const camera = entry.id;
  deletedSegments.set(recorder, 0);
  recorder.on('failed', () => {
    const reason = recorder.status.reason;
    logger.error({ camera, reason }, `recording of camera ${camera} stopped: ${reason}`);
  });
  recorder.on('recovered', () => logger.info({ camera }, `recording of camera ${camera} resumed`));
  recorder.on('deleted', (paths) => {
    deletedSegments.set(recorder, (deletedSegments.get(recorder) ?? 0) + paths.length);
    logger.debug({ camera, count: paths.length }, `retention deleted ${paths.length} segment(s)`);
  });
  return recorder;
}

function createReplay(
  { ReplayBuffer }: RecorderPackage,
  entry: CameraEntry,
  config: CameraConfig,
  recording: boolean,
): ReplayBuffer | undefined {
  if (config.replayMs !== undefined) {
    return new ReplayBuffer(entry.camera, {
      replaySeconds: Math.max(config.replayMs, recording ? BRIDGE_MS : 0) / 1000,
      replayBytes: config.replayBytes ?? DEFAULT_REPLAY_BYTES,
    });
  }
  if (!recording) return undefined;
  return new ReplayBuffer(entry.camera, {
    replaySeconds: BRIDGE_MS / 1000,
    replayBytes: config.replayBytes ?? BRIDGE_BYTES,
  });
}

/** Starts every recorder: repairs what a crash left, applies retention, records. */
export async function startRecorders(entries: readonly CameraEntry[]): Promise<void> {
  await Promise.all(entries.map((entry) => entry.recorder?.start()));
}

/** Stops every recorder (each finishes its segment: sync and rename) and lets go of the replay buffers. */
export async function stopRecorders(entries: readonly CameraEntry[]): Promise<void> {
  await Promise.all(entries.map((entry) => entry.recorder?.stop()));
  for (const entry of entries) entry.replay?.close();
}

export function segmentsDeleted(recorder: Recorder): number {
  return deletedSegments.get(recorder) ?? 0;
}
