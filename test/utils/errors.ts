/**
 * The client SDK catches what a subscription handler or an event listener throws and reports it on
 * the client's `error` event (code `HANDLER`), so an `expect` inside such a callback can never
 * fail a test by itself. {@link collectErrors} records those reports, and each test fails at its
 * end when any is left unclaimed.
 *
 * Every client made through `connectClient` (test/utils/client.ts) is collected already. Errors
 * thrown inside an `error` listener reach nobody (the SDK drops them): assert outside it.
 */
import type { HubbubError } from '@hubbub/client';
import { afterAll, beforeEach, onTestFinished } from 'vitest';

/** Anything with the client's `error` event. */
export interface ErrorSource {
  on(event: 'error', listener: (err: HubbubError) => void): unknown;
}

/** What one client's callbacks threw, kept until the test claims it or ends. */
export interface ErrorCollector {
  /** `HANDLER` errors recorded and not claimed yet, oldest first. */
  readonly errors: readonly HubbubError[];
  /** Returns the recorded errors and forgets them: for a test that makes a callback throw on purpose. */
  take(): HubbubError[];
  /** Throws what a callback threw (the failed assertion itself) when anything was recorded, and forgets it. */
  check(): void;
}

class Collector implements ErrorCollector {
  errors: HubbubError[] = [];

  take(): HubbubError[] {
    return this.errors.splice(0);
  }

  check(): void {
    const errors = this.take();
    if (errors.length > 0) throw failure(errors);
  }
}

const bySource = new WeakMap<ErrorSource, Collector>();
const collectors = new Set<Collector>();

beforeEach(() => onTestFinished(checkCollected));
afterAll(checkCollected);

/**
 * Records every `HANDLER` error `client` reports from now on; the test running when one is
 * recorded fails when it finishes, with what the callback threw. Calling it again for the same
 * client returns the same collector.
 */
export function collectErrors(client: ErrorSource): ErrorCollector {
  let collector = bySource.get(client);
  if (collector === undefined) {
    const created = new Collector();
    client.on('error', (err) => {
      if (err.code === 'HANDLER') created.errors.push(err);
    });
    bySource.set(client, created);
    collectors.add(created);
    collector = created;
  }
  return collector;
}

/** Fails with everything recorded by every collector and not claimed, and forgets it. */
export function checkCollected(): void {
  const errors = [...collectors].flatMap((c) => c.take());
  if (errors.length > 0) throw failure(errors);
}

/** The callback's own error when there is one; with several, one error listing them all. */
function failure(errors: readonly HubbubError[]): unknown {
  const first = errors[0]!.cause ?? errors[0];
  if (errors.length === 1) return first;
  const list = errors.map((e, i) => `  ${i + 1}. ${e.message}`).join('\n');
  return new Error(`${errors.length} errors thrown in client callbacks:\n${list}`, { cause: first });
}
