/**
 * Cross-instance: two server processes joined by a real Redis (`redis-server --save ''`),
 * publisher on instance A, all subscribers on instance B. Socket.IO uses
 * `@socket.io/redis-adapter`, raw ws a hand-written Redis pub/sub relay, Hubbub its Redis broker.
 * Server CPU is A + B together; the receiving instance's (B) alone and Redis's are reported
 * beside it.
 */
import { measurePubSub } from '../lib/pubsub-measure.mjs';
import { metrics as fanoutMetrics } from './fanout.mjs';

export { lg } from '../lib/pubsub-scenario.mjs';

/** Figures of this scenario, in table order. */
export const metrics = [
  ...fanoutMetrics.slice(0, 4),
  { key: 'receiverCpuUsPerDelivery', label: 'receiving instance CPU µs/delivery', better: 'lower' },
  { key: 'redisCpuUsPerDelivery', label: 'Redis CPU µs/delivery', better: 'lower' },
  fanoutMetrics[4],
];

/** The cases one run measures. */
export function cases(opts) {
  const subs = opts.subs?.[0] ?? (opts.quick ? 100 : 1_000);
  const deliveries = opts.quick ? 10_000 : 300_000;
  const count = Math.max(10, Math.round(deliveries / subs));
  return ['windowed', 'unbounded'].map((mode) => ({
    name: `cross-instance ${subs} subs, ${mode}${mode === 'windowed' ? ` (window ${opts.window ?? 1})` : ''}`,
    params: {
      subs,
      topics: 1,
      mode,
      window: opts.window ?? 1,
      count,
      warmup: Math.ceil(count / 10),
      cross: true,
    },
  }));
}

/** Measures one case for the context's target. */
export const run = measurePubSub;
