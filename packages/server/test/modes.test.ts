import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, get, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SUBPROTOCOL } from '@hubbub/protocol';
import { createServer } from '@hubbub/server';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { closeHubs, startHub, track } from '../../../test/utils/hub.js';
import { makeCertificate } from '../../../test/utils/nginx.js';
import { connectClient, TestClient } from './utils/tclient.js';

const servers: Server[] = [];
afterEach(async () => {
  await closeHubs();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

function listen(server: Server): Promise<number> {
  servers.push(server);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

describe('createServer option checks', () => {
  it.each([
    [{}, /One and only one/],
    [{ port: 0, noServer: true }, /One and only one/],
    [{ port: 70_000 }, /port/],
    [{ noServer: true, path: 'ws' }, /path/],
    [{ noServer: true, authorize: 'yes' }, /authorize/],
    [{ noServer: true, limits: { maxBufferedBytes: -1 } }, /maxBufferedBytes/],
    [{ noServer: true, allowedOrigins: 'https://a' }, /allowedOrigins/],
  ])('%j throws a TypeError', (options, message) => {
    expect(() => createServer(options as never)).toThrow(TypeError);
    expect(() => createServer(options as never)).toThrow(message);
  });
});

describe('standalone', () => {
  it('listens on the port it reports and answers /healthz and /readyz', async () => {
    const { hub } = await startHub({ path: '/ws' });
    const { port, host } = hub.address();
    expect(host).toBe('127.0.0.1');
    expect(port).toBeGreaterThan(0);
    expect(await httpGet(port, '/healthz')).toMatchObject({ status: 200 });
    expect(await httpGet(port, '/readyz')).toMatchObject({ status: 200 });
    expect((await httpGet(port, '/other')).status).toBe(404);
    await connectClient(`ws://127.0.0.1:${port}/ws`);
    const wrongPath = new TestClient(`ws://127.0.0.1:${port}/elsewhere`);
    await expect(wrongPath.opened).rejects.toThrow(/404/);
  });

  it('answers /readyz with 503 while draining', async () => {
    const { hub } = await startHub();
    const port = hub.address().port;
    const c = await connectClient(`ws://127.0.0.1:${port}`);
    c.ws.on('close', () => undefined);
    const closing = hub.close({ drainMs: 2_000 });
    expect(hub.isReady()).toBe(false);
    expect(hub.stats().draining).toBe(true);
    await closing;
  });

  it('keeps an open socket past the HTTP request timeouts', async () => {
    const { url } = await startHub({ limits: { headersTimeoutMs: 100 }, heartbeat: { intervalMs: 50 } });
    const c = await connectClient(url);
    // Eight pings at 50 ms: well past headersTimeout (100 ms) and requestTimeout (200 ms).
    for (let i = 0; i < 8; i++) await c.waitForMessage('ping');
    c.send({ type: 'ping' });
    await c.waitForMessage('pong');
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
  });
});

describe('attached to an http server', () => {
  it('serves its path while the app keeps its routes and other upgrade paths', async () => {
    const app = createHttpServer((req, res) => res.end(`app:${req.url}`));
    const other = new WebSocketServer({ noServer: true });
    app.on('upgrade', (req, socket, head) => {
      if (req.url === '/other') other.handleUpgrade(req, socket, head, (ws) => ws.send('other-ws'));
    });
    const hub = track(createServer({ server: app, path: '/hub' }));
    const port = await listen(app);
    await hub.ready;
    expect(hub.address().port).toBe(port);
    expect(await httpGet(port, '/hello')).toEqual({ status: 200, body: 'app:/hello' });
    const c = await connectClient(`ws://127.0.0.1:${port}/hub`);
    await c.subscribe('a', 1);
    const ws = new WebSocket(`ws://127.0.0.1:${port}/other`);
    const text = await new Promise<string>((r) => ws.once('message', (d) => r(d.toString())));
    expect(text).toBe('other-ws');
    ws.close();
    other.close();
  });
});

describe('noServer', () => {
  it('accepts sockets handed over with hub.handleUpgrade', async () => {
    const hub = track(createServer({ noServer: true }));
    const app = createHttpServer();
    app.on('upgrade', (req, socket, head) => hub.handleUpgrade(req, socket, head));
    const port = await listen(app);
    await hub.ready;
    expect(() => hub.address()).toThrow(/noServer/);
    const c = await connectClient(`ws://127.0.0.1:${port}`);
    await c.subscribe('x', 1);
    await hub.publish('x', 'hello');
    expect((await c.waitForMessage('msg')).data).toBe('hello');
  });
});

describe('wss://', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hubbub-tls-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('works over TLS with a self-signed certificate', async () => {
    const { certificate, certificateKey } = makeCertificate(dir);
    const certPem = readFileSync(certificate);
    const https = createHttpsServer({ key: readFileSync(certificateKey), cert: certPem });
    const hub = track(createServer({ server: https, path: '/secure' }));
    const port = await listen(https as unknown as Server);
    await hub.ready;
    const c = new TestClient(`wss://127.0.0.1:${port}/secure`, { ca: certPem });
    const welcome = await c.connect();
    expect(welcome.sid).toBeTruthy();
    expect(c.ws.protocol).toBe(SUBPROTOCOL);
    await c.subscribe('tls', 1);
    await hub.publish('tls', { secure: true });
    expect((await c.waitForMessage('msg')).data).toEqual({ secure: true });
  });
});
