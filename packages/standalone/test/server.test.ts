/** The standalone server's HTTP routes besides the API. */
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, start } from './utils/standalone.js';

afterEach(closeAll);

async function get(url: string): Promise<[number, string]> {
  const res = await fetch(url);
  return [res.status, await res.text()];
}

describe('standalone routes', () => {
  it('answers health, readiness and metrics, and 426 for plain requests to the WebSocket path', async () => {
    const server = await start({ path: '/ws' });
    expect(await get(`${server.url}/healthz`)).toEqual([200, 'ok\n']);
    expect(await get(`${server.url}/readyz`)).toEqual([200, 'ready\n']);
    const [status, metrics] = await get(`${server.url}/metrics`);
    expect(status).toBe(200);
    expect(metrics).toMatch(/^# TYPE hubbub_connections gauge$/m);
    expect((await get(`${server.url}/ws`))[0]).toBe(426);
    expect((await get(`${server.url}/elsewhere`))[0]).toBe(404);
  });

  it('says the API is off without an apiKey, and serves no /metrics with metrics: false', async () => {
    const server = await start({ metrics: false });
    expect(await get(`${server.url}/api/publish`)).toEqual([
      404,
      'the HTTP API is off: set apiKey (HUBBUB_API_KEY) to turn it on\n',
    ]);
    expect((await get(`${server.url}/metrics`))[0]).not.toBe(200);
  });
});

describe('start failures', () => {
  it('rejects when the port is taken', async () => {
    const first = await start({});
    const port = Number(new URL(first.url).port);
    await expect(start({ port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});
