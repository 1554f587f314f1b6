/**
 * A Redis that cannot be reached fails with where it was and why: the URL (password hidden) and
 * the connection error, not only "not ready within N ms".
 */
import { createPublisher, createRedisBroker, createServer, type Hub } from '@hubbub/server';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../../../test/utils/process.js';

const PASSWORD = 's3cret-password';
const hubs: Hub[] = [];
afterEach(async () => {
  await Promise.all(hubs.splice(0).map((hub) => hub.close({ drainMs: 0 })));
});

/** A loopback port nothing listens on: connecting to it is refused at once. */
async function refusedUrl(): Promise<{ url: string; port: number }> {
  const port = await freePort();
  return { url: `redis://:${PASSWORD}@127.0.0.1:${port}/3`, port };
}

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; cause?: unknown }> {
  try {
    await promise;
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

describe('a refused Redis connection', () => {
  it('fails hub.ready naming the URL, password hidden, and the cause', async () => {
    const { url, port } = await refusedUrl();
    const broker = createRedisBroker({ url }, { connectTimeoutMs: 3_000 });
    const hub = createServer({ noServer: true, broker });
    hub.on('error', () => {}); // the same failure, reported as an event too
    hubs.push(hub);
    const err = await rejection(hub.ready);
    expect(err.message).toContain(`redis://:***@127.0.0.1:${port}/3`);
    expect(err.message).toContain('not ready within 3000 ms');
    expect(err.message).toContain(`ECONNREFUSED 127.0.0.1:${port}`);
    expect(err.message).not.toContain(PASSWORD);
    expect(err.code).toBe('UNAVAILABLE');
    expect((err.cause as { code?: string } | undefined)?.code).toBe('ECONNREFUSED');
  });

  it("fails a publisher's first publish the same way", async () => {
    const { url, port } = await refusedUrl();
    const publisher = createPublisher({ url, connectTimeoutMs: 3_000 });
    try {
      const err = await rejection(publisher.publish('news', { text: 'hello' }));
      expect(err.message).toContain(`redis://:***@127.0.0.1:${port}/3`);
      expect(err.message).toContain(`ECONNREFUSED 127.0.0.1:${port}`);
      expect(err.message).not.toContain(PASSWORD);
      expect(err.code).toBe('UNAVAILABLE');
    } finally {
      await publisher.close();
    }
  });
});
