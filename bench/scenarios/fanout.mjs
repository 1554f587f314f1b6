/**
 * Fan-out: one topic, N subscribers (100 and 1,000 by default), 100-byte JSON messages from one
 * publisher connection. Windowed (one message in flight by default: the next goes out when the
 * previous reached every subscriber) and unbounded (all messages written at once).
 */
import { measurePubSub } from '../lib/pubsub-measure.mjs';

export { lg } from '../lib/pubsub-scenario.mjs';

/** Figures of this scenario, in table order. */
export const metrics = [
  { key: 'deliveriesPerSec', label: 'deliveries/s', better: 'higher' },
  { key: 'p50us', label: 'p50 µs', better: 'lower' },
  { key: 'p99us', label: 'p99 µs', better: 'lower' },
  { key: 'cpuUsPerDelivery', label: 'server CPU µs/delivery', better: 'lower' },
  { key: 'lgCpuPct', label: 'load-gen CPU %', better: 'none' },
];

/** The cases one run measures. */
export function cases(opts) {
  const subsList = opts.subs ?? (opts.quick ? [100] : [100, 1000]);
  const deliveries = opts.quick ? 20_000 : 500_000;
  return subsList.flatMap((subs) =>
    ['windowed', 'unbounded'].map((mode) => {
      const count = Math.max(10, Math.round(deliveries / subs));
      return {
        name: `fanout ${subs} subs, ${mode}${mode === 'windowed' ? ` (window ${opts.window ?? 1})` : ''}`,
        params: { subs, topics: 1, mode, window: opts.window ?? 1, count, warmup: Math.ceil(count / 10) },
      };
    }),
  );
}

/** Measures one case for the context's target. */
export const run = measurePubSub;
