/** Reads the Prometheus text exposition format: every sample, and the `# TYPE` of every family. */

export interface Exposition {
  /** `# TYPE` of each metric family. */
  readonly types: ReadonlyMap<string, string>;
  /** Value of one sample: `value('hubbub_disconnects_total', { code: '1000' })`; 0 when absent. */
  value(name: string, labels?: Record<string, string>): number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;

function labelsOf(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of (text ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
    out[m[1] as string] = m[2] as string;
  }
  return out;
}

/** Parses `text`; throws on a line that is neither a comment nor a sample. */
export function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) types.set(type[1] as string, type[2] as string);
    else if (line.startsWith('# HELP ')) continue;
    else {
      const m = SAMPLE.exec(line);
      if (!m) throw new Error(`not a Prometheus text line: ${JSON.stringify(line)}`);
      samples.push({ name: m[1] as string, labels: labelsOf(m[2]), value: Number(m[3]) });
    }
  }
  return {
    types,
    value(name, labels = {}) {
      const hit = samples.find(
        (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
      );
      return hit?.value ?? 0;
    },
  };
}
