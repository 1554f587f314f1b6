/** Resolves once `done()` holds or `deadline` (epoch ms) passes, checking every few ms. */
export function waitUntil(done: () => boolean, deadline: number, everyMs = 10): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (done() || Date.now() >= deadline) resolve();
      else setTimeout(check, everyMs);
    };
    check();
  });
}
