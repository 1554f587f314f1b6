/**
 * Load generator process: `node bench/loadgen.mjs <target>`. Holds the client connections of one
 * measurement and runs the scenario's load functions when the runner asks over IPC.
 */
import { serveRequests } from './lib/ipc.mjs';

const [target] = process.argv.slice(2);
const state = { target, adapter: await import(`./targets/${target}.mjs`) };

serveRequests({
  async call({ scenario, fn, args }) {
    const mod = await import(`./scenarios/${scenario}.mjs`);
    const f = mod.lg?.[fn];
    if (!f) throw new Error(`scenario ${scenario} has no load function "${fn}"`);
    return f(state, args);
  },
});
process.on('disconnect', () => process.exit(0));
process.send({ ready: true });
