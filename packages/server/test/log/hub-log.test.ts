/** What a hub writes to its `logger`, and what it never writes (tokens, payloads). */
import { afterEach, describe, expect, it } from 'vitest';
import { closeHubs, startHub } from '../../../../test/utils/hub.js';
import { startProxy } from '../../../../test/utils/proxy.js';
import { waitFor } from '../../../../test/utils/wait.js';
import { createServer, type ServerOptions } from '../../src/index.js';
import { captureLog } from '../utils/captured-log.js';
import { connectClient, TestClient } from '../utils/tclient.js';

afterEach(closeHubs);

const TOKEN = 'tok-3f9a1c-very-secret';
const PAYLOAD = 'payload-7b2e-private';

describe('logger', () => {
  it('logs start, hook errors and drain, never a token or a payload', async () => {
    const log = captureLog();
    const { hub, url } = await startHub({
      logger: log,
      authenticate: ({ token }) => (token === TOKEN ? { principal: { token }, userId: 'u1' } : null),
      authorize: (_p, action, _topic, data) => {
        if (action === 'publish')
          throw new Error(`authorize failed for ${JSON.stringify(data).length} bytes`);
        return true;
      },
    });
    const c = await connectClient(url, TOKEN);
    await c.subscribe('room', 1);
    c.send({ type: 'pub', id: 2, topic: 'room', data: PAYLOAD });
    await c.waitForMessage('error', (e) => e.id === 2);
    await hub.publish('room', { secret: PAYLOAD });
    await c.waitForMessage('msg');
    const bad = new TestClient(url);
    await bad.opened;
    bad.send({ type: 'connect', token: `${TOKEN}-forged` });
    await bad.waitForClose();
    await hub.close({ drainMs: 500 });
    expect(log.messages('info')).toEqual(
      expect.arrayContaining(['hub started', 'hub draining', 'hub closed']),
    );
    expect(log.messages('error')).toHaveLength(1);
    const error = log.lines.find((l) => l.level === 'error');
    expect(String((error?.obj as { err?: Error } | undefined)?.err)).toContain('authorize failed');
    expect(log.text()).not.toContain(TOKEN);
    expect(log.text()).not.toContain(PAYLOAD);
  });

  it('sums slow-consumer closes up in one warning', async () => {
    const log = captureLog();
    const { hub } = await startHub({ logger: log, limits: { maxBufferedBytes: 64 * 1024 } });
    const proxy = await startProxy(hub.address().port);
    try {
      const clients = [
        new TestClient(`ws://127.0.0.1:${proxy.port}`),
        new TestClient(`ws://127.0.0.1:${proxy.port}`),
      ];
      for (const c of clients) {
        await c.connect();
        await c.subscribe('firehose', 1);
      }
      proxy.freeze('down');
      const chunk = 'x'.repeat(32 * 1024);
      for (let i = 0; i < 500 && hub.stats().slowConsumers < 2; i++) await hub.publish('firehose', chunk);
      await hub.close({ drainMs: 200 });
    } finally {
      await proxy.close();
    }
    const warnings = log.lines.filter((l) => l.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.obj).toMatchObject({ closed: 2, total: 2 });
  });

  it('sends errors to console.error by default only when nobody listens for "error"', async () => {
    const { hub, url } = await startHub({
      authorize: () => {
        throw new Error('hook broke');
      },
    });
    const seen: Error[] = [];
    hub.on('error', (err) => seen.push(err));
    const c = await connectClient(url);
    c.send({ type: 'sub', id: 1, topic: 't' });
    await c.waitForMessage('error');
    await waitFor(() => seen.length === 1);
    expect(seen[0]?.message).toBe('hook broke');
  });

  it('refuses a logger without info, warn and error', () => {
    const make = (logger: unknown) => () => createServer({ noServer: true, logger } as ServerOptions);
    expect(make({ info() {}, warn() {}, error() {} })).not.toThrow();
    expect(make('pino')).toThrow(TypeError);
    expect(make({ info() {}, warn() {} })).toThrow(/logger\.error/);
  });
});
