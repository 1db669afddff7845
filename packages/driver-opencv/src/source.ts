/**
 * What a `source` option names, decided from its text alone:
 * - `device`: a camera index (`0`, `1`…) or a V4L2 device path (`/dev/video0`);
 * - `pipeline`: a GStreamer pipeline (it contains `!`), ending in `appsink`;
 * - `url`: a network stream (`rtsp://…`, `http://…`), opened by FFmpeg;
 * - `file`: anything else, a video file path; it is played at its own frame rate and looped.
 */
export type SourceKind = 'device' | 'file' | 'url' | 'pipeline';

export interface VideoSource {
  kind: SourceKind;
  /** What `new VideoCapture()` gets: a device index, or the path, URL or pipeline. */
  target: string | number;
  /** The source as the user wrote it, for messages. */
  text: string;
}

const URL_PATTERN = /^[a-z][a-z0-9+.-]*:\/\//i;

export function parseSource(source: string | number): VideoSource {
  if (typeof source === 'number') return { kind: 'device', target: source, text: String(source) };
  const text = source.trim();
  if (/^\d+$/.test(text)) return { kind: 'device', target: Number(text), text };
  // OpenCV's V4L2 back-end opens /dev/videoN by its index; other device paths go as they are.
  const videoDevice = /^\/dev\/video(\d+)$/.exec(text);
  if (videoDevice) return { kind: 'device', target: Number(videoDevice[1]), text };
  if (text.startsWith('/dev/')) return { kind: 'device', target: text, text };
  if (text.includes('!')) return { kind: 'pipeline', target: text, text };
  if (URL_PATTERN.test(text)) return { kind: 'url', target: text, text };
  return { kind: 'file', target: text, text };
}

/** "camera 0", "file /tmp/a.mp4", "URL rtsp://…", "GStreamer pipeline videotestsrc ! …". */
export function describeSource(source: VideoSource): string {
  switch (source.kind) {
    case 'device':
      return typeof source.target === 'number' ? `camera ${source.text}` : `device ${source.text}`;
    case 'file':
      return `file ${source.text}`;
    case 'url':
      return `URL ${source.text}`;
    case 'pipeline':
      return `GStreamer pipeline "${source.text}"`;
  }
}
