import type { Recorder, ReplayBuffer } from '@cam/recorder';
import type { Logger } from 'pino';
import type { CameraEntry } from './cameras.js';
import type { CameraConfig, ServerConfig } from './config.js';

/** `replayBytes` when only `replaySeconds` is set. */
export const DEFAULT_REPLAY_BYTES = 64 * 1024 * 1024;
/**
 * A recording camera's replay buffer (`replaySeconds`) keeps at least this much: the segment being written
 * reaches the disk a cluster (1 s, the recorder's default) at a time, so a `?at=` stream that catches up
 * with the files plays the last seconds from memory, then joins live without a gap. (Without
 * `replaySeconds`, the recorder's own frames not yet on disk do that: `recorder.recent`.)
 */
const BRIDGE_MS = 2500;

/** @cam/recorder, which the server loads only when a camera records or keeps a replay. */
type RecorderPackage = typeof import('@cam/recorder');

/** Segments deleted by retention, per recorder: for the metrics. */
const deletedSegments = new WeakMap<Recorder, number>();

/**
 * Gives each camera what its config asks for: a {@link Recorder} (`record.mode: continuous`) and a
 * {@link ReplayBuffer} (`replaySeconds`); a recording camera without one replays from its recorder's frames
 * not yet on disk. Nothing is started: see {@link startRecorders}. A recorder's failures and recoveries are
 * logged once each.
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
    const replay = createReplay(recorderPackage, entry, camera, recorder !== undefined) ?? recorder?.recent;
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
  if (config.replayMs === undefined) return undefined;
  return new ReplayBuffer(entry.camera, {
    replaySeconds: Math.max(config.replayMs, recording ? BRIDGE_MS : 0) / 1000,
    replayBytes: config.replayBytes ?? DEFAULT_REPLAY_BYTES,
  });
}

/** Starts every recorder: repairs what a crash left, applies retention, records. */
export async function startRecorders(entries: readonly CameraEntry[]): Promise<void> {
  await Promise.all(entries.map((entry) => entry.recorder?.start()));
}

/** Stops every recorder (each finishes its segment: sync and rename) and lets go of the frames in memory. */
export async function stopRecorders(entries: readonly CameraEntry[]): Promise<void> {
  await Promise.all(entries.map((entry) => entry.recorder?.stop()));
  for (const entry of entries) entry.replay?.close();
}

export function segmentsDeleted(recorder: Recorder): number {
  return deletedSegments.get(recorder) ?? 0;
}
