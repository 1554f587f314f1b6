/**
 * Benchmark runner.
 *
 *   node bench/run.mjs --target hubbub,ws,socketio --scenario fanout --runs 3 [--subs 100,1000]
 *                      [--conns N] [--window W] [--quick] [--profile] [--no-readme]
 *
 * For every run, every case of every scenario, and every target in turn (A B C A B C ...), it
 * starts a fresh server process (core 0) and load generator (core 1), prints one JSON line per
 * measurement, appends it to bench/results/<stamp>.jsonl, and writes the Markdown summary to
 * bench/results/<stamp>.md and (unless --quick or --no-readme) into bench/README.md. --profile
 * writes a V8 CPU profile of every server process to bench/results/profiles/.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { canPin, fdLimit, freePort, spawnNode, startRedis } from './lib/procs.mjs';
import { renderMarkdown } from './lib/report.mjs';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = join(BENCH_DIR, '..');
const ALL_SCENARIOS = [
  'fanout',
  'many-topics',
  'idle-memory',
  'connect-rate',
  'cross-instance',
  'reconnect-storm',
  'recovery-storm',
  'steady',
  'bundle',
];
const ALL_TARGETS = [
  'hubbub',
  'nats',
  'mosquitto',
  'ws',
  'ws-preframed',
  'socketio',
  'nats-jetstream',
  'socketio-recovery',
];
const QUICK_TARGETS = ['hubbub', 'ws', 'socketio'];

const { values: argv } = parseArgs({
  options: {
    target: { type: 'string' },
    scenario: { type: 'string', default: 'all' },
    runs: { type: 'string' },
    subs: { type: 'string' },
    conns: { type: 'string' },
    window: { type: 'string' },
    quick: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    'no-readme': { type: 'boolean', default: false },
  },
});

const list = (s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
const opts = {
  quick: argv.quick,
  subs: argv.subs ? list(argv.subs).map(Number) : undefined,
  conns: argv.conns ? Number(argv.conns) : undefined,
  window: argv.window ? Number(argv.window) : undefined,
};
const runs = Number(argv.runs ?? (argv.quick ? 1 : 3));
const targets = list(argv.target ?? (argv.quick ? QUICK_TARGETS : ALL_TARGETS).join(','));
const scenarioNames = argv.scenario === 'all' ? ALL_SCENARIOS : list(argv.scenario);
const phaseTimeoutMs = argv.quick ? 20_000 : 60_000;

for (const t of targets) {
  if (!existsSync(join(BENCH_DIR, 'targets', `${t}.mjs`))) throw new Error(`unknown target "${t}"`);
}
if (targets.includes('hubbub') && !existsSync(join(ROOT, 'packages/server/dist/index.js'))) {
  throw new Error('target hubbub needs the built packages: run `npm run build` at the repository root');
}

/**
 * The scenarios a target runs: its `scenarios` export, or every scenario when it has none; a
 * scenario that needs replay (`needsResume`) runs only for targets that are `resumable`.
 */
const targetScenarios = {};
const resumable = {};
for (const t of targets) {
  const mod = await import(`./targets/${t}.mjs`);
  targetScenarios[t] = mod.scenarios;
  resumable[t] = mod.resumable === true;
}

const scenarios = {};
for (const name of scenarioNames) scenarios[name] = await import(`./scenarios/${name}.mjs`);

const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
const resultsDir = join(BENCH_DIR, 'results');
mkdirSync(resultsDir, { recursive: true });
const jsonlPath = join(resultsDir, `${stamp}.jsonl`);

let profiles = 0;
function profileArgs(name) {
  const file = `${stamp}-${name}-${++profiles}.cpuprofile`;
  return ['--cpu-prof', `--cpu-prof-dir=${join(resultsDir, 'profiles')}`, `--cpu-prof-name=${file}`];
}

let redis;
async function measure(scenarioName, c, target) {
  const started = [];
  const ctx = {
    target,
    root: ROOT,
    phaseTimeoutMs,
    freePort,
    async startServer(extra = {}) {
      const h = await spawnNode({
        script: 'server.mjs',
        args: [target, JSON.stringify(extra)],
        core: 0,
        nodeArgs: ['--expose-gc', ...(argv.profile ? profileArgs(`${scenarioName}-${target}`) : [])],
        label: `server ${target}`,
      });
      started.push(h);
      return { ...h, port: h.ready.port, url: `ws://127.0.0.1:${h.ready.port}` };
    },
    async startLoadgen() {
      const h = await spawnNode({
        script: 'loadgen.mjs',
        args: [target],
        core: 1,
        label: `load generator ${target}`,
      });
      started.push(h);
      return {
        ...h,
        call: (fn, args, timeoutMs) => h.request('call', { scenario: scenarioName, fn, args }, timeoutMs),
      };
    },
    async redisUrl() {
      redis ??= await startRedis(0);
      execFileSync('redis-cli', ['-u', redis.url, 'flushall'], { stdio: 'ignore' });
      return redis.url;
    },
    redisCpuUs: () => redis.cpuUs(),
  };
  try {
    return await scenarios[scenarioName].run(ctx, c.params);
  } catch (err) {
    return { error: String(err?.message ?? err).split('\n')[0] };
  } finally {
    for (const h of started.reverse()) await h.stop();
  }
}

const results = [];
const header = {
  node: process.version,
  cores: cpus().length,
  cpu: cpus()[0]?.model,
  pinned: canPin,
  fdLimit,
  command: `node bench/run.mjs ${process.argv.slice(2).join(' ')}`.trim(),
};
console.error(`# ${JSON.stringify(header)}`);
try {
  for (let run = 1; run <= runs; run++) {
    for (const name of scenarioNames) {
      for (const c of scenarios[name].cases(opts)) {
        for (const target of targets) {
          if (targetScenarios[target] && !targetScenarios[target].includes(name)) continue;
          if (scenarios[name].needsResume && !resumable[target]) continue;
          const metrics = await measure(name, c, target);
          const line = { scenario: name, case: c.name, target, run, ...metrics };
          results.push(line);
          console.log(JSON.stringify(line));
          appendFileSync(jsonlPath, `${JSON.stringify(line)}\n`);
        }
      }
    }
  }
} finally {
  await redis?.stop();
}

const machine = `${header.cores} cores (${header.cpu}), Node ${header.node}, ${canPin ? 'server on core 0, load generator on core 1 (taskset)' : 'not pinned (no taskset)'}`;
const markdown = `Command: \`${header.command}\`  \nMachine: ${machine}  \nDate: ${new Date().toISOString().slice(0, 10)}\n\n${renderMarkdown(results, scenarios, targets)}\n`;
writeFileSync(join(resultsDir, `${stamp}.md`), markdown);
console.error(`\nresults: ${jsonlPath}\n\n${markdown}`);

const readme = join(BENCH_DIR, 'README.md');
if (!argv.quick && !argv['no-readme'] && existsSync(readme)) {
  const text = readFileSync(readme, 'utf8');
  const start = '<!-- results:start -->';
  const end = '<!-- results:end -->';
  if (text.includes(start) && text.includes(end)) {
    const before = text.slice(0, text.indexOf(start) + start.length);
    writeFileSync(readme, `${before}\n${markdown}${text.slice(text.indexOf(end))}`);
  }
}
