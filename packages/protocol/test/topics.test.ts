import { isValidTopic, MAX_TOPIC_LENGTH, topicProblem } from '@hubbub/protocol';
import { describe, expect, it } from 'vitest';

describe('#isValidTopic', () => {
  it.each(['a', 'chat.lobby', 'user.42', 'orders:eu/west', 'a-b_c', 'x@y=z', 'A'.repeat(MAX_TOPIC_LENGTH)])(
    'accepts %s',
    (topic) => {
      expect(isValidTopic(topic)).toBe(true);
      expect(topicProblem(topic)).toBeUndefined();
    },
  );

  it.each([
    '',
    'A'.repeat(MAX_TOPIC_LENGTH + 1),
    '*',
    'chat.*',
    'chat?',
    'a[b]',
    'a\\b',
    'a{b}',
    '$sys',
    '_private',
    '.hidden',
    'a b',
    'tab\there',
    'ünïcode',
    'nul\u0000',
  ])('refuses %j', (topic) => {
    expect(isValidTopic(topic)).toBe(false);
    expect(topicProblem(topic)).toBeTypeOf('string');
  });

  it('refuses non-strings', () => {
    expect(isValidTopic(5)).toBe(false);
    expect(topicProblem(null)).toBe('topic must be a string');
  });
});
