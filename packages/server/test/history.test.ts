import { afterEach, describe, expect, it } from 'vitest';
import { closeHubs as disposeAll, startHub } from '../../../test/utils/hub.js';

afterEach(disposeAll);

describe('#history', () => {
  it('reads the messages after an offset, or the latest ones, with the topic position', async () => {
    const { hub } = await startHub({ history: { size: 3 } });
    for (let i = 1; i <= 5; i++) await hub.publish('log', { i });
    const latest = await hub.history('log', { limit: 2 });
    expect(latest).toMatchObject({ offset: 5, firstOffset: 3, epoch: expect.any(String) });
    expect(latest.messages).toEqual([
      { offset: 4, data: { i: 4 } },
      { offset: 5, data: { i: 5 } },
    ]);
    expect((await hub.history('log', { since: 3, limit: 1 })).messages).toEqual([
      { offset: 4, data: { i: 4 } },
    ]);
    expect((await hub.history('log')).messages.map((m) => m.offset)).toEqual([3, 4, 5]);
    expect(await hub.history('empty')).toMatchObject({ offset: 0, messages: [] });
  });

  it('refuses a bad topic or options with a TypeError', async () => {
    const { hub } = await startHub();
    await expect(hub.history('bad topic')).rejects.toThrow(TypeError);
    await expect(hub.history('t', { limit: 0 })).rejects.toThrow(/limit/);
    await expect(hub.history('t', { since: -1 })).rejects.toThrow(/since/);
    await expect(hub.history('t', { after: 1 } as never)).rejects.toThrow(/unknown option "after"/);
  });
});
