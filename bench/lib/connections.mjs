/**
 * Load-generator helpers: open many connections with bounded concurrency and an overall
 * deadline, spread over loopback source addresses when there are more than one address's
 * ephemeral ports can carry.
 */
import { tokenFor } from './auth.mjs';

/** Connections per loopback source address before moving on to the next (127.0.0.2, ...). */
const PER_SOURCE = 20_000;

/** Source address for connection `i` of `n`: the default route for small counts. */
export function sourceAddress(i, n) {
  return n <= PER_SOURCE ? undefined : `127.0.0.${2 + Math.floor(i / PER_SOURCE)}`;
}

/**
 * Opens `n` connections through `open(i)` with at most `concurrency` in flight, failing when the
 * whole batch takes longer than `deadlineMs`. Returns the connections in index order.
 * @param {number} n
 * @param {(i: number) => Promise<any>} open
 * @param {{ concurrency?: number, deadlineMs?: number }} [opts]
 */
export async function openMany(n, open, opts = {}) {
  const concurrency = Math.min(opts.concurrency ?? 200, n);
  const deadline = Date.now() + (opts.deadlineMs ?? 120_000);
  const conns = new Array(n);
  let next = 0;
  let failures = 0;
  let lastError;
  async function worker() {
    while (next < n) {
      if (Date.now() > deadline) throw new Error(`opened only ${next} of ${n} connections in time`);
      const i = next++;
      for (let attempt = 0; attempt < 3 && conns[i] === undefined; attempt++) {
        try {
          conns[i] = await open(i);
        } catch (err) {
          lastError = err;
        }
      }
      if (conns[i] === undefined && ++failures > Math.max(10, n / 100)) {
        throw new Error(`${failures} connections failed: ${lastError?.message}`);
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { conns, failures, lastError: lastError?.message };
}

/** Opens connection `i` through the target's wire client, authenticated with its token. */
export function openOne(adapter, url, i, n, onData, extra = {}) {
  return adapter.connect({ url, token: tokenFor(i), localAddress: sourceAddress(i, n), onData, ...extra });
}

/** Closes every connection of a list. */
export function closeAll(conns) {
  for (const c of conns ?? []) c?.close();
}
