/**
 * Turns result lines into Markdown: one table per case with the median and min–max of every
 * figure per target, then ratio rows — `hubbub ÷` every other target when Hubbub was measured,
 * else against raw `ws` and Socket.IO — each ratio computed within one run (targets interleaved)
 * and summarised by its median over the runs. Targets whose case failed (`error`) are left out.
 */
import { fmt, median, range } from './stats.mjs';

const BASELINES = ['ws', 'socketio'];

function cell(values) {
  const v = values.filter((x) => Number.isFinite(x));
  if (v.length === 0) return '–';
  if (v.length === 1) return fmt(v[0]);
  const [lo, hi] = range(v);
  return `${fmt(median(v))} (${fmt(lo)}–${fmt(hi)})`;
}

function ratioCell(rows, target, baseline, key) {
  const ratios = [];
  for (const r of rows.filter((x) => x.target === target)) {
    const b = rows.find((x) => x.target === baseline && x.run === r.run);
    if (b && Number.isFinite(r[key]) && b[key] > 0) ratios.push(r[key] / b[key]);
  }
  return ratios.length ? `${median(ratios).toFixed(2)}×` : '–';
}

function ratioPairs(rows, targets) {
  const present = targets.filter((t) => rows.some((r) => r.target === t));
  if (present.includes('hubbub')) return present.filter((t) => t !== 'hubbub').map((b) => ['hubbub', b]);
  const pairs = [];
  for (const t of present) {
    for (const b of BASELINES) {
      if (t === b || (b === 'socketio' && t === 'ws') || !present.includes(b)) continue;
      pairs.push([t, b]);
    }
  }
  return pairs;
}

function caseTable(allRows, metrics, targets) {
  const rows = allRows.filter((r) => r.error === undefined);
  const head = `| target | ${metrics.map((m) => m.label).join(' | ')} |`;
  const sep = `|---|${metrics.map(() => '---:').join('|')}|`;
  const lines = [head, sep];
  for (const t of targets) {
    const mine = rows.filter((r) => r.target === t);
    if (mine.length)
      lines.push(`| ${t} | ${metrics.map((m) => cell(mine.map((r) => r[m.key]))).join(' | ')} |`);
  }
  for (const [t, b] of ratioPairs(rows, targets)) {
    const cells = metrics.map((m) => (m.better === 'none' ? '' : ratioCell(rows, t, b, m.key)));
    lines.push(`| *${t} ÷ ${b}* | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/**
 * Markdown for a set of results.
 * @param {any[]} results one object per scenario run
 * @param {Record<string, { metrics: any[] }>} scenarios scenario modules by name
 * @param {string[]} targets in column order
 */
export function renderMarkdown(results, scenarios, targets) {
  const cases = [...new Set(results.map((r) => `${r.scenario}\u0000${r.case}`))];
  return cases
    .map((key) => {
      const [scenario, name] = key.split('\u0000');
      const rows = results.filter((r) => r.scenario === scenario && r.case === name);
      const runs = new Set(rows.map((r) => r.run)).size;
      const title = `**${name}** — ${runs} run${runs === 1 ? '' : 's'}, median (min–max)`;
      return `${title}\n\n${caseTable(rows, scenarios[scenario].metrics, targets)}`;
    })
    .join('\n\n');
}
