/**
 * Request/response over Node's IPC channel between the runner and its child processes
 * (benchmark server, load generator). Every request has a deadline.
 */

/**
 * Serves requests arriving on `process` (the child side). `handlers[cmd](args)` may be async;
 * its result (or error message) goes back to the runner.
 * @param {Record<string, (args: any) => unknown>} handlers
 */
export function serveRequests(handlers) {
  process.on('message', async (msg) => {
    if (!msg || typeof msg.id !== 'number') return;
    const handler = handlers[msg.cmd];
    try {
      if (!handler) throw new Error(`unknown command "${msg.cmd}"`);
      const result = await handler(msg.args ?? {});
      process.send({ id: msg.id, result });
    } catch (err) {
      process.send({ id: msg.id, error: err instanceof Error ? err.stack : String(err) });
    }
  });
}

/**
 * Wraps a child process started with an IPC channel: `request(cmd, args, timeoutMs)` resolves with
 * the child's answer, rejects on error, exit or timeout. `events` receives unsolicited messages.
 * @param {import('node:child_process').ChildProcess} child
 * @param {string} label
 */
export function requester(child, label) {
  let nextId = 1;
  const pending = new Map();
  const listeners = new Set();
  child.on('message', (msg) => {
    if (msg && typeof msg.id === 'number' && pending.has(msg.id)) {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.error) p.reject(new Error(`${label}: ${msg.error}`));
      else p.resolve(msg.result);
    } else {
      for (const l of listeners) l(msg);
    }
  });
  child.on('error', () => {});
  child.on('exit', (code, signal) => {
    for (const p of pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error(`${label} exited (${code ?? signal}) during "${p.cmd}"`));
    }
    pending.clear();
  });
  return {
    request(cmd, args = {}, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        if (!child.connected) return reject(new Error(`${label} is gone before "${cmd}"`));
        const id = nextId++;
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${label}: "${cmd}" timed out after ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, { resolve, reject, timer, cmd });
        child.send({ id, cmd, args });
      });
    },
    /** Resolves with the first unsolicited message matching `pred`. */
    waitFor(pred, timeoutMs, what) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(on);
          reject(new Error(`${label}: no ${what} within ${timeoutMs} ms`));
        }, timeoutMs);
        const onExit = (code, signal) => {
          clearTimeout(timer);
          listeners.delete(on);
          reject(new Error(`${label} exited (${code ?? signal}) before ${what}`));
        };
        function on(msg) {
          if (!pred(msg)) return;
          clearTimeout(timer);
          listeners.delete(on);
          child.off('exit', onExit);
          resolve(msg);
        }
        listeners.add(on);
        child.once('exit', onExit);
      });
    },
  };
}
