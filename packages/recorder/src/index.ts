export type { CuePoint, MuxerOptions, SegmentLayout } from './mkv-muxer.js';
export { MatroskaMuxer } from './mkv-muxer.js';
export type { RecordedFrame, SegmentHeader } from './mkv-reader.js';
export { readCluster, readCues, readSegmentHeader, scanClusters } from './mkv-reader.js';
export type { FinishedSegment } from './segment-file.js';
export { finalizeSegmentFile, repairPartFile, SegmentFile } from './segment-file.js';
