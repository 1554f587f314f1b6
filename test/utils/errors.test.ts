/**
 * The error collector itself: an assertion that fails inside an SDK callback must fail the test,
 * although the SDK catches it. Real hub, real client.
 */
import { describe, expect, it, onTestFailed } from 'vitest';
import { connectClient, waitSubscribed } from './client.js';
import { collectErrors } from './errors.js';
import { startHub } from './hub.js';
import { waitFor } from './wait.js';

/** What made the `it.fails` case below fail, read by the case after it. */
let failedWith: readonly { message: string; name?: string }[] | undefined;

describe('collectErrors', () => {
  // `fails`: this case passes only if it fails. Its body passes; only the collector can fail it.
  it.fails('fails the test when an assertion inside a subscription handler fails', async () => {
    onTestFailed(({ task }) => {
      failedWith = task.result?.errors;
    });
    const { hub, port } = await startHub();
    const client = connectClient(port);
    const got: unknown[] = [];
    const sub = client.subscribe('collected', (data) => {
      got.push(data);
      expect(data).toEqual({ n: 2 });
    });
    await waitSubscribed(sub);
    await hub.publish('collected', { n: 1 });
    await waitFor(() => got.length === 1, 10_000, 'the message');
  });

  it('failed the case above with the assertion the handler made', () => {
    expect(failedWith).toHaveLength(1);
    expect(failedWith![0]!.name).toBe('AssertionError');
    expect(failedWith![0]!.message).toContain('expected { n: 1 } to deeply equal { n: 2 }');
  });

  it('records what listeners and handlers throw until take() claims it', async () => {
    const { hub, port } = await startHub();
    const client = connectClient(port);
    const collector = collectErrors(client);
    const sub = client.subscribe('thrown', () => {
      throw new Error('handler bug');
    });
    client.on('state', ({ to }) => {
      if (to === 'open') throw new Error('listener bug');
    });
    await waitSubscribed(sub);
    await hub.publish('thrown', 1);
    await waitFor(() => collector.errors.length === 2, 10_000, 'two reported errors');

    const taken = collector.take();
    expect(taken.map((e) => [e.code, (e.cause as Error).message])).toEqual([
      ['HANDLER', 'listener bug'],
      ['HANDLER', 'handler bug'],
    ]);
    expect(collector.errors).toEqual([]);
    expect(collectErrors(client)).toBe(collector);
  });

  it('check() throws what the callback threw, then forgets it', async () => {
    const { hub, port } = await startHub();
    const client = connectClient(port);
    const collector = collectErrors(client);
    const sub = client.subscribe('checked', (data) => expect(data).toBe('right'));
    await waitSubscribed(sub);
    await hub.publish('checked', 'wrong');
    await waitFor(() => collector.errors.length === 1, 10_000, 'the failed assertion');

    expect(() => collector.check()).toThrow("expected 'wrong' to be 'right'");
    expect(() => collector.check()).not.toThrow();
  });
});
