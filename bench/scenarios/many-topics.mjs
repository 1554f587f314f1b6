/**
 * Many topics: 10,000 connections over 1,000 topics (10 subscribers each); the publisher cycles
 * through the topics. Windowed (10 messages in flight by default) and unbounded.
 */
import { measurePubSub } from '../lib/pubsub-measure.mjs';
import { metrics as fanoutMetrics } from './fanout.mjs';

export { lg } from '../lib/pubsub-scenario.mjs';

/** Figures of this scenario, in table order. */
export const metrics = fanoutMetrics;

/** The cases one run measures. */
export function cases(opts) {
  const conns = opts.conns ?? (opts.quick ? 500 : 10_000);
  const topics = opts.topics ?? (opts.quick ? 50 : 1_000);
  const window = opts.window ?? 10;
  const count = opts.quick ? 1_000 : 20_000;
  return ['windowed', 'unbounded'].map((mode) => ({
    name: `many-topics ${conns} conns / ${topics} topics, ${mode}${mode === 'windowed' ? ` (window ${window})` : ''}`,
    params: { subs: conns, topics, mode, window, count, warmup: Math.ceil(count / 10) },
  }));
}

/** Measures one case for the context's target. */
export const run = measurePubSub;
