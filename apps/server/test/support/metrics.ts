// Prometheus metrics: GET /metrics, checked against the text format and parsed.
import parsePrometheusTextFormat from 'parse-prometheus-text-format';

export interface MetricFamily {
  name: string;
  help: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  samples: { labels: Record<string, string>; value: number }[];
}

/** A sample line of the text format: name, optional labels, a value, an optional timestamp. */
const SAMPLE_LINE =
  /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\\n])*")?(,[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\\n])*")*,?\})? (NaN|[+-]?Inf|[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)( -?\d+)?$/;
const COMMENT_LINE =
  /^# (HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped))$/;

/**
 * Parses a Prometheus text exposition with `parse-prometheus-text-format`. That parser is lenient (it
 * reads any line as a sample), so every line is first checked against the format's grammar, and every
 * sample value must be a number.
 */
export function parseMetrics(text: string): Map<string, MetricFamily> {
  for (const [index, line] of text.split('\n').entries()) {
    if (line === '' || SAMPLE_LINE.test(line) || COMMENT_LINE.test(line)) continue;
    throw new Error(`line ${index + 1} is not in the Prometheus text format: ${JSON.stringify(line)}`);
  }
  const families = new Map<string, MetricFamily>();
  for (const family of parsePrometheusTextFormat(text)) {
    if (families.has(family.name)) throw new Error(`metric ${family.name} appears twice`);
    families.set(family.name, {
      name: family.name,
      help: family.help,
      type: family.type,
      samples: family.metrics.map((sample) => {
        const value = Number(sample.value);
        if (sample.value === undefined || sample.value === '' || Number.isNaN(value)) {
          throw new Error(`${family.name}: sample value ${JSON.stringify(sample.value)} is not a number`);
        }
        return { labels: sample.labels ?? {}, value };
      }),
    });
  }
  return families;
}

/** `GET /metrics`, checked and parsed. */
export async function scrapeMetrics(url: string): Promise<Map<string, MetricFamily>> {
  const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) });
  if (res.status !== 200) throw new Error(`GET /metrics: ${res.status}`);
  const type = res.headers.get('content-type') ?? '';
  if (!type.startsWith('text/plain')) throw new Error(`GET /metrics: content-type ${type}`);
  return parseMetrics(await res.text());
}

/** The value of `name{camera="<camera>"}`; throws when there is no such sample. */
export function metricValue(metrics: Map<string, MetricFamily>, name: string, camera: string): number {
  const family = metrics.get(name);
  if (!family) throw new Error(`no metric ${name} (have: ${[...metrics.keys()].join(', ')})`);
  const sample = family.samples.find((s) => s.labels.camera === camera);
  if (!sample) throw new Error(`no sample ${name}{camera="${camera}"}`);
  return sample.value;
}
