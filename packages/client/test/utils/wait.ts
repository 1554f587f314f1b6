/** Event-driven waits with a deadline, for integration tests. */
import type { Client, ClientState, Subscription } from '@hubbub/client';

/** Resolves once `check()` is true, polling every 10 ms; rejects with `what` after `timeoutMs`. */
export function waitFor(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      if (check()) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 10);
    };
    tick();
  });
}

/** Resolves when the client is in `state` or next enters it, even if only for a moment. */
export function waitForState(client: Client, state: ClientState, timeoutMs = 10_000): Promise<void> {
  if (client.state === state) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onState = (ctx: { to: ClientState }) => {
      if (ctx.to !== state) return;
      clearTimeout(timer);
      client.off('state', onState);
      resolve();
    };
    const timer = setTimeout(() => {
      client.off('state', onState);
      reject(new Error(`timed out waiting for client state "${state}" (now "${client.state}")`));
    }, timeoutMs);
    client.on('state', onState);
  });
}

/** Resolves when `sub` is confirmed by the server. */
export function waitSubscribed(sub: Subscription, timeoutMs = 10_000): Promise<void> {
  return waitFor(() => sub.state === 'subscribed', `subscription to "${sub.topic}"`, timeoutMs);
}
