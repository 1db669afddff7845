export type { CuePoint, MuxerOptions, SegmentLayout } from './mkv-muxer.js';
export { MatroskaMuxer } from './mkv-muxer.js';
export type { RecordedFrame, SegmentHeader } from './mkv-reader.js';
export { readCluster, readCues, readSegmentHeader, scanClusters } from './mkv-reader.js';
export { pace } from './pace.js';
export type { RecentFrames } from './recent-frames.js';
export type { RecorderEvents, RecorderOptions, RecorderStatus, RecorderStatusName } from './recorder.js';
export { Recorder } from './recorder.js';
export type {
  Gap,
  PlaybackOptions,
  RecordedSegment,
  RecordingIndexOptions,
  RecordingListing,
} from './recording-index.js';
export { RecordingIndex } from './recording-index.js';
export type { ReplayBufferOptions } from './replay-buffer.js';
export { ReplayBuffer } from './replay-buffer.js';
export type { RetainOptions, RetentionPolicy } from './retention.js';
export { enforceRetention } from './retention.js';
export type { FinishedSegment } from './segment-file.js';
export { finalizeSegmentFile, repairPartFile, SegmentFile } from './segment-file.js';
export type { SegmentEntry } from './segment-names.js';
export { listSegmentFiles, segmentFileName, segmentStartTime } from './segment-names.js';
