/**
 * docker/nginx.conf.template under Debian's nginx: the config parses (`nginx -t`), and WebSocket
 * upgrades pass through it over ws:// and wss:// to every upstream in turn (round robin).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import {
  COMPOSE_CONFIG_PATH,
  COMPOSE_OPTIONS,
  renderNginxConfig,
  writeNginxConfig,
} from '../../../docker/render-nginx.mjs';
import {
  makeCertificate,
  type NginxHandle,
  nginxBinary,
  nginxTest,
  startNginx,
} from '../../../test/utils/nginx.js';
import { freePort } from '../../../test/utils/process.js';

/** The server's default heartbeat interval (packages/server ServerOptions.heartbeat.intervalMs). */
const HEARTBEAT_INTERVAL_S = 25;

interface Upstream {
  readonly name: string;
  readonly server: Server;
  readonly wss: WebSocketServer;
  readonly address: string;
}

async function stopUpstream(u: Upstream): Promise<void> {
  for (const ws of u.wss.clients) ws.terminate();
  u.server.closeAllConnections();
  await new Promise((resolve) => u.server.close(resolve));
}

async function startUpstream(name: string): Promise<Upstream> {
  const server = createServer((_req, res) => res.end(name));
  const wss = new WebSocketServer({
    server,
    path: '/ws',
    handleProtocols: (protocols) => [...protocols][0] ?? false,
  });
  wss.on('connection', (ws, req) => {
    ws.send(JSON.stringify({ name, upgrade: req.headers.upgrade, connection: req.headers.connection }));
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { name, server, wss, address: `127.0.0.1:${port}` };
}

function openSocket(url: string, ca?: Buffer): Promise<{ ws: WebSocket; hello: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, 'hubbub.v1', ca ? { ca } : {});
    ws.once('message', (data) => resolve({ ws, hello: JSON.parse(String(data)) }));
    ws.once('error', reject);
  });
}

function echo(ws: WebSocket, payload: Buffer): Promise<Buffer> {
  return new Promise((resolve) => {
    ws.once('message', (data) => resolve(data as Buffer));
    ws.send(payload);
  });
}

describe('docker/nginx.conf', () => {
  it('is the template rendered with the compose options', () => {
    expect(readFileSync(COMPOSE_CONFIG_PATH, 'utf8')).toBe(renderNginxConfig(COMPOSE_OPTIONS));
  });

  it('has what WebSocket needs behind a proxy, and no sticky sessions', () => {
    const conf = readFileSync(COMPOSE_CONFIG_PATH, 'utf8');
    expect(conf).toMatch(/map \$http_upgrade \$connection_upgrade \{\s+default upgrade;/);
    expect(conf).toContain('proxy_http_version 1.1;');
    expect(conf).toContain('proxy_set_header Upgrade $http_upgrade;');
    expect(conf).toContain('proxy_set_header Connection $connection_upgrade;');
    expect(conf).toMatch(/listen 443 ssl;/);
    expect(conf).not.toMatch(/^\s*(ip_hash|hash|sticky)\b/m);
    const readTimeout = Number(conf.match(/proxy_read_timeout (\d+)s;/)?.[1]);
    expect(readTimeout).toBeGreaterThan(2 * HEARTBEAT_INTERVAL_S);
    expect(conf.match(/^\s*server hub\d:3000 /gm)).toHaveLength(3);
  });

  it('refuses values that would inject nginx directives', () => {
    expect(() => renderNginxConfig({ upstreams: ['127.0.0.1:1; include /etc/passwd'] })).toThrow(TypeError);
    expect(() => renderNginxConfig({ upstreams: [] })).toThrow(TypeError);
  });

  it('drops the TLS server block when no TLS is configured', () => {
    const conf = renderNginxConfig({ upstreams: ['127.0.0.1:1'] });
    expect(conf).not.toContain('ssl_certificate');
    expect(conf).not.toContain('{{');
  });
});

describe('nginx -t', () => {
  it('accepts the rendered config with and without TLS', async () => {
    nginxBinary();
    const prefix = mkdtempSync(join(tmpdir(), 'hubbub-nginx-t-'));
    try {
      const tls = { listen: `127.0.0.1:${await freePort()}`, ...makeCertificate(prefix) };
      const listen = `127.0.0.1:${await freePort()}`;
      const plain = writeNginxConfig(prefix, { upstreams: ['127.0.0.1:9'], listen });
      expect(nginxTest(prefix, plain)).toEqual({
        status: 0,
        output: expect.stringContaining('test is successful'),
      });
      const withTls = writeNginxConfig(prefix, { upstreams: ['127.0.0.1:9', '127.0.0.1:10'], listen, tls });
      expect(nginxTest(prefix, withTls)).toEqual({
        status: 0,
        output: expect.stringContaining('test is successful'),
      });
      const broken = writeNginxConfig(prefix, { upstreams: ['127.0.0.1:9'], listen, readTimeout: 'soon' });
      expect(nginxTest(prefix, broken).status).not.toBe(0);
    } finally {
      rmSync(prefix, { recursive: true, force: true });
    }
  });
});

describe('WebSocket through nginx', () => {
  const upstreams: Upstream[] = [];
  let nginx: NginxHandle;
  const sockets: WebSocket[] = [];

  beforeAll(async () => {
    upstreams.push(await startUpstream('a'), await startUpstream('b'));
    nginx = await startNginx(
      upstreams.map((u) => u.address),
      { tls: true },
    );
  });

  afterAll(async () => {
    for (const ws of sockets) ws.terminate();
    await nginx?.stop();
    for (const u of upstreams) await stopUpstream(u);
  });

  it('upgrades over ws:// and spreads connections round robin over the instances', async () => {
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { ws, hello } = await openSocket(`ws://127.0.0.1:${nginx.port}/ws`);
      sockets.push(ws);
      expect(ws.protocol).toBe('hubbub.v1');
      expect(hello.upgrade?.toLowerCase()).toBe('websocket');
      expect(hello.connection?.toLowerCase()).toBe('upgrade');
      seen.push(hello.name!);
    }
    expect(new Set(seen)).toEqual(new Set(['a', 'b']));
  });

  it('carries text and binary frames both ways over wss://', async () => {
    const ca = readFileSync(nginx.certificate!);
    const { ws } = await openSocket(`wss://localhost:${nginx.tlsPort}/ws`, ca);
    sockets.push(ws);
    const bytes = Buffer.from([0xb1, 0x00, 0xff, 0x10, 0x20]);
    expect(Buffer.compare(await echo(ws, bytes), bytes)).toBe(0);
    expect(String(await echo(ws, Buffer.from('hello')))).toBe('hello');
  });

  it('passes plain HTTP requests (the chat page) through as well', async () => {
    const bodies = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`http://127.0.0.1:${nginx.port}/`);
      bodies.add(await res.text());
    }
    expect(bodies).toEqual(new Set(['a', 'b']));
  });

  it('skips an instance that is down', async () => {
    await stopUpstream(upstreams.pop()!);
    for (let i = 0; i < 3; i++) {
      const { ws, hello } = await openSocket(`ws://127.0.0.1:${nginx.port}/ws`);
      sockets.push(ws);
      expect(hello.name).toBe('a');
    }
  });
});
