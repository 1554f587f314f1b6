/**
 * Summarises V8 CPU profiles written by `node bench/run.mjs --profile`:
 *
 *   node bench/profile-top.mjs [--top N] bench/results/profiles/*.cpuprofile
 *
 * For each profile, the functions with the most self time (share of all samples), with their
 * file and line, so hot spots of one target can be set beside another's.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  options: { top: { type: 'string', default: '15' } },
  allowPositionals: true,
});

function selfTimes(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const counts = new Map();
  for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
  const totals = new Map();
  for (const [id, count] of counts) {
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    const file = url ? url.replace(/^file:\/\//, '').replace(/^.*node_modules\//, '') : '';
    const key = `${functionName || '(anonymous)'} ${file ? `${file.split('/').slice(-3).join('/')}:${lineNumber + 1}` : ''}`;
    totals.set(key, (totals.get(key) ?? 0) + count);
  }
  return { totals, samples: profile.samples.length };
}

for (const path of positionals) {
  const { totals, samples } = selfTimes(JSON.parse(readFileSync(path, 'utf8')));
  console.log(`\n${basename(path)} (${samples} samples)`);
  const top = [...totals].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top));
  for (const [key, count] of top) console.log(`${((count / samples) * 100).toFixed(1).padStart(6)}%  ${key}`);
}
