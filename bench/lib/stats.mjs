/** Small statistics helpers for benchmark results. */

/** Median of a list of numbers (mean of the middle two for even lengths). */
export function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** `[min, max]` of the finite values, or `[NaN, NaN]`. */
export function range(values) {
  const v = values.filter((x) => Number.isFinite(x));
  if (v.length === 0) return [Number.NaN, Number.NaN];
  return [Math.min(...v), Math.max(...v)];
}

/** CPU time in microseconds between two `process.cpuUsage()` readings. */
export function cpuDeltaUs(before, after) {
  return after.user - before.user + (after.system - before.system);
}

/** Formats a number with a sensible number of significant digits. */
export function fmt(x) {
  if (!Number.isFinite(x)) return '–';
  const a = Math.abs(x);
  if (a >= 100_000) return `${(x / 1000).toFixed(0)}k`;
  if (a >= 10_000) return `${(x / 1000).toFixed(1)}k`;
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

/** Rounds to 3 significant digits for JSON output. */
export function round3(x) {
  if (!Number.isFinite(x) || x === 0) return x;
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(x))));
  return Number(x.toFixed(Math.min(digits, 6)));
}
