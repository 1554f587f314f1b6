/** The `logger` option with pino itself: the hub's lines arrive as pino JSON, without tokens. */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { closeHubs as disposeAll, startHub } from '../../../../test/utils/hub.js';
import { connectClient } from '../utils/tclient.js';

afterEach(disposeAll);

const TOKEN = 'pino-test-token-6c1e';

describe('logger: pino', () => {
  it('takes a pino logger and writes its lines as pino JSON', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line));
        done();
      },
    });
    const { hub, url } = await startHub({
      logger: pino({ level: 'info' }, sink),
      authenticate: ({ token }) => ({ principal: token, userId: 'u' }),
      authorize: () => {
        throw new Error('authorize broke');
      },
    });
    const c = await connectClient(url, TOKEN);
    c.send({ type: 'sub', id: 1, topic: 't' });
    await c.waitForMessage('error', (e) => e.id === 1);
    await hub.close({ drainMs: 200 });
    expect(lines.map((l) => [l.level, l.msg])).toEqual(
      expect.arrayContaining([
        [30, 'hub started'],
        [50, 'hub error: a hook threw, or the broker or server failed'],
        [30, 'hub draining'],
        [30, 'hub closed'],
      ]),
    );
    expect(lines.find((l) => l.level === 50)?.err).toMatchObject({
      type: 'Error',
      message: 'authorize broke',
    });
    expect(JSON.stringify(lines)).not.toContain(TOKEN);
  });
});
