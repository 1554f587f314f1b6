/**
 * Target `hubbub-metrics-off`: the `hubbub` target with `metrics: false`. Run it beside `hubbub`
 * (`--target hubbub,hubbub-metrics-off --scenario fanout`) to see what the Prometheus metrics cost.
 */
import * as hubbub from './hubbub.mjs';

export * from './hubbub.mjs';

/** Starts the hubbub target's server with metrics off. */
export function startServer(opts) {
  return hubbub.startServer({ ...opts, metrics: false });
}

/** What the load generator uses, for the README. */
export const describe = `${hubbub.describe}; createServer({ metrics: false })`;
