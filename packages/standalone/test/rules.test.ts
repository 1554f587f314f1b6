import { describe, expect, it } from 'vitest';
import { createRulesAuthorize } from '../src/index.js';

const authorize = createRulesAuthorize([
  { topic: 'user.{userId}', allow: ['subscribe'] },
  { topic: 'user.{userId}.inbox', allow: ['subscribe', 'publish'] },
  { topic: 'chat.*', allow: ['subscribe', 'publish', 'presence'] },
  { topic: 'news/**', allow: ['subscribe'] },
]);
const alice = { sub: 'alice' };

describe('#createRulesAuthorize', () => {
  it.each([
    [alice, 'subscribe', 'user.alice', true],
    [alice, 'publish', 'user.alice', false],
    [alice, 'subscribe', 'user.bob', false],
    [alice, 'publish', 'user.alice.inbox', true],
    [{ sub: 'a.b' }, 'subscribe', 'user.a.b', true],
    [{ sub: 'a.b' }, 'subscribe', 'user.aXb', false],
    [null, 'subscribe', 'user.alice', false],
    [null, 'publish', 'chat.lobby', true],
    [alice, 'presence', 'chat.lobby', true],
    [alice, 'subscribe', 'chat.lobby.extra', false],
    [alice, 'subscribe', 'news/world/europe', true],
    [alice, 'publish', 'news/world', false],
    [alice, 'subscribe', 'other', false],
  ])('%j may %s %s: %s', async (principal, action, topic, allowed) => {
    expect(await authorize(principal, action as 'subscribe', topic)).toBe(allowed);
  });
});
