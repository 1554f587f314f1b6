import { describe, expect, it } from 'vitest';
import { joinFrames } from '../../src/connection/ws-socket.js';

const total = (frames: Buffer[]) => frames.reduce((n, f) => n + f.length, 0);

describe('joinFrames', () => {
  it('joins the frames in order', () => {
    const frames = [Buffer.from('ab'), Buffer.from('c'), Buffer.from('def')];
    expect(joinFrames(frames, total(frames)).toString()).toBe('abcdef');
  });

  it('reuses the buffer for the next socket holding the same frames, and only then', () => {
    const a = Buffer.from('one');
    const b = Buffer.from('two');
    const c = Buffer.from('two');
    const first = joinFrames([a, b], 6);
    expect(joinFrames([a, b], 6)).toBe(first);
    const other = joinFrames([a, c], 6);
    expect(other).not.toBe(first);
    expect(other.toString()).toBe('onetwo');
    const longer = joinFrames([a, c, b], 9);
    expect(longer.toString()).toBe('onetwotwo');
    expect(joinFrames([b, a], 6).toString()).toBe('twoone');
  });

  it('hands a single frame over as it is', () => {
    const only = Buffer.from('x');
    expect(joinFrames([only], 1)).toBe(only);
  });
});
