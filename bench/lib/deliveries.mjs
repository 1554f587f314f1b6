/**
 * Publish phases of the load generator: payloads carrying a sequence number and a timestamp,
 * a window of messages in flight (or everything at once), and per-delivery latency from the
 * timestamp in the payload. Publisher and subscribers live in the same process, so one clock.
 */
import { createHistogram, performance } from 'node:perf_hooks';

/** Size of each message's JSON payload in bytes. */
export const PAYLOAD_BYTES = 100;

const nowUs = () => Math.round(performance.now() * 1000);

/** A JSON payload of exactly {@link PAYLOAD_BYTES} bytes: `{ s: seq, t: µs, p: padding }`. */
export function makePayload(seq) {
  const t = nowUs();
  const base = JSON.stringify({ s: seq, t, p: '' }).length;
  return { s: seq, t, p: 'x'.repeat(Math.max(0, PAYLOAD_BYTES - base)) };
}

/** Reads the non-negative integer after `key` (e.g. `"s":`) in a frame's text, or -1. */
export function readNumber(text, key) {
  const i = text.indexOf(key);
  if (i < 0) return -1;
  let v = 0;
  for (let j = i + key.length; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c < 48 || c > 57) break;
    v = v * 10 + c - 48;
  }
  return v;
}

/**
 * Publishes `count` messages and waits until every subscriber got each one (or the deadline).
 * `mode: 'windowed'` keeps at most `window` messages in flight (a message is in flight until all
 * its `fanout` subscribers received it); `'unbounded'` writes all `count` at once.
 * `setSink(fn)` installs the delivery callback the subscribers call with each frame's text.
 */
export function publishPhase({ publisher, setSink, topicOf, count, fanout, mode, window, timeoutMs, base }) {
  const remaining = new Int32Array(count).fill(fanout);
  const hist = createHistogram();
  const cpu0 = process.cpuUsage();
  let sent = 0;
  let done = 0;
  let delivered = 0;
  let stray = 0;
  let errors = 0;
  let lastAt = 0;
  const send = () => {
    const seq = base + sent++;
    publisher.publish(topicOf(seq), makePayload(seq)).catch(() => errors++);
  };
  return new Promise((resolve) => {
    const start = performance.now();
    const finish = (timedOut) => {
      clearTimeout(timer);
      setSink(() => {});
      const elapsedMs = (lastAt || performance.now()) - start;
      const cpu = process.cpuUsage(cpu0);
      resolve({
        sent,
        delivered,
        expected: count * fanout,
        stray,
        errors,
        timedOut,
        elapsedMs,
        lgCpuPct: ((cpu.user + cpu.system) / 1000 / elapsedMs) * 100,
        p50us: hist.count ? hist.percentile(50) : Number.NaN,
        p99us: hist.count ? hist.percentile(99) : Number.NaN,
      });
    };
    const timer = setTimeout(() => finish(true), timeoutMs);
    setSink((text) => {
      const seq = readNumber(text, '"s":') - base;
      if (seq < 0 || seq >= count) return stray++;
      hist.record(Math.max(1, nowUs() - readNumber(text, '"t":')));
      delivered++;
      if (--remaining[seq] !== 0) return;
      done++;
      if (done === count) {
        lastAt = performance.now();
        return finish(false);
      }
      if (mode === 'windowed' && sent < count) send();
    });
    const first = mode === 'windowed' ? Math.min(window, count) : count;
    for (let i = 0; i < first; i++) send();
  });
}
