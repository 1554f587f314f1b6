/**
 * The one polling wait of the repo's tests: event-driven tests wait for what they expect with a
 * generous deadline, never for a fixed time.
 */

/**
 * Polls `check` until it returns (or resolves to) true, or rejects naming what never happened
 * once `timeoutMs` has passed. Arguments come in this order everywhere: what to check, how long
 * to wait, what it means. A call with the old orders (`what` before `timeoutMs`) is a TypeError,
 * never a wait without a deadline.
 * @param timeoutMs how long to wait before failing; keep it generous, it only costs time on failure. @default 10_000
 * @param what what the wait is for, quoted in the error. @default 'the condition'
 * @param intervalMs delay between two checks. @default 10
 */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = 'the condition',
  intervalMs = 10,
): Promise<void> {
  if (typeof check !== 'function')
    throw new TypeError('waitFor(check, timeoutMs, what): check must be a function');
  if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0))
    throw new TypeError(
      `waitFor(check, timeoutMs, what): timeoutMs must be a number, got ${String(timeoutMs)}`,
    );
  if (typeof what !== 'string')
    throw new TypeError(`waitFor(check, timeoutMs, what): what must be a string, got ${String(what)}`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
