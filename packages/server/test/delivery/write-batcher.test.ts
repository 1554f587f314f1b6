import { Writable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { startHub } from '../../../../test/utils/hub.js';
import { type Batched, WriteBatcher } from '../../src/delivery/write-batcher.js';
import { connectClient } from '../utils/tclient.js';

/** A real writable stream that records how its chunks reach the "system call". */
class RecordingSocket extends Writable {
  readonly calls: number[] = [];
  readonly bytes: string[] = [];

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.calls.push(1);
    this.bytes.push(chunk.toString());
    cb();
  }

  override _writev(chunks: { chunk: Buffer }[], cb: () => void): void {
    this.calls.push(chunks.length);
    for (const c of chunks) this.bytes.push(c.chunk.toString());
    cb();
  }
}

/** The batcher's flush: one turn, or two while it is busy (it lets the event loop poll once more). */
async function flushed(): Promise<void> {
  await nextTurn();
  await nextTurn();
}

function peer(): Batched {
  return { writeRound: 0, corked: null };
}

function write(b: WriteBatcher, conn: Batched, raw: RecordingSocket, text: string): void {
  b.beforeWrite(conn, raw);
  raw.write(text);
}

describe('WriteBatcher', () => {
  describe('#beforeWrite', () => {
    it('writes the first message of a turn at once and coalesces the rest into one writev', async () => {
      const b = new WriteBatcher();
      const conn = peer();
      const raw = new RecordingSocket();
      for (let i = 0; i < 5; i++) write(b, conn, raw, `m${i}`);
      expect(raw.calls).toEqual([1]);
      await flushed();
      expect(raw.calls).toEqual([1, 4]);
      expect(raw.bytes).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
      expect(conn.corked).toBeNull();
    });

    it('starts a new turn after the flush: a lone message is not held back', async () => {
      const b = new WriteBatcher();
      const conn = peer();
      const raw = new RecordingSocket();
      write(b, conn, raw, 'a');
      await nextTurn();
      write(b, conn, raw, 'b');
      expect(raw.calls).toEqual([1, 1]);
      expect(raw.writableCorked).toBe(0);
    });

    it('keeps each socket to its own batch', async () => {
      const b = new WriteBatcher();
      const conns = [peer(), peer(), peer()];
      const raws = conns.map(() => new RecordingSocket());
      for (let round = 0; round < 3; round++) {
        for (const [i, c] of conns.entries()) write(b, c, raws[i]!, `${i}:${round}`);
      }
      await flushed();
      raws.forEach((raw, i) => {
        expect(raw.calls).toEqual([1, 2]);
        expect(raw.bytes).toEqual([`${i}:0`, `${i}:1`, `${i}:2`]);
      });
    });

    it('after a burst, corks from the first write and flushes after one more poll, one writev per socket', async () => {
      const b = new WriteBatcher();
      const conns = [peer(), peer()];
      const raws = conns.map(() => new RecordingSocket());
      write(b, conns[0]!, raws[0]!, 'a1');
      write(b, conns[0]!, raws[0]!, 'a2');
      await nextTurn();
      await nextTurn();
      expect(raws[0]!.calls).toEqual([1, 1]);
      expect(b.busy).toBe(true);
      for (const [i, c] of conns.entries()) write(b, c, raws[i]!, `${i}:x`);
      expect(raws[1]!.calls).toEqual([]);
      await nextTurn();
      // A message that arrives during the extra poll joins the same batch.
      for (const [i, c] of conns.entries()) write(b, c, raws[i]!, `${i}:y`);
      await nextTurn();
      expect(raws[0]!.calls).toEqual([1, 1, 2]);
      expect(raws[1]!.calls).toEqual([2]);
      expect(raws[1]!.bytes).toEqual(['1:x', '1:y']);
    });

    it('goes back to writing at once when no burst came for a while', async () => {
      const b = new WriteBatcher();
      const conn = peer();
      const raw = new RecordingSocket();
      write(b, conn, raw, 'a');
      write(b, conn, raw, 'b');
      for (let turn = 0; turn < 40 && b.busy; turn++) {
        write(b, conn, raw, `quiet${turn}`);
        await nextTurn();
        await nextTurn();
      }
      expect(b.busy).toBe(false);
      const before = raw.calls.length;
      write(b, conn, raw, 'lone');
      expect(raw.calls.length).toBe(before + 1);
      expect(raw.bytes.at(-1)).toBe('lone');
    });

    it('flushes early once 64 KiB wait, so a burst never sits in one buffer', async () => {
      const b = new WriteBatcher();
      const conn = peer();
      const raw = new RecordingSocket();
      const chunk = 'x'.repeat(1024);
      for (let i = 0; i < 200; i++) write(b, conn, raw, chunk);
      expect(raw.calls.length).toBeGreaterThan(2);
      expect(Math.max(...raw.calls)).toBeLessThanOrEqual(66);
      await flushed();
      expect(raw.bytes.length).toBe(200);
      expect(raw.writableCorked).toBe(0);
    });
  });
});

describe('batched fan-out through the hub', () => {
  it('delivers a burst published in one turn to every subscriber, complete and in order', async () => {
    const { hub, url } = await startHub();
    const subs = await Promise.all([1, 2, 3].map(() => connectClient(url)));
    for (const s of subs) await s.subscribe('burst', 1);
    await Promise.all(Array.from({ length: 500 }, (_, i) => hub.publish('burst', { i })));
    for (const s of subs) {
      const got: number[] = [];
      while (got.length < 500) got.push((await s.waitForMessage('msg')).offset);
      expect(got).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    }
  });
});
