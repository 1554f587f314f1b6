import { MAX_TOPIC_LENGTH } from './constants.js';

/**
 * Topic grammar: 1–128 characters, starting with a letter or digit, then letters, digits and
 * `_ - . : / @ =`. Left out on purpose: Redis glob characters (`* ? [ ] \`), Redis Cluster hash-tag
 * braces (`{ }`), whitespace and control characters, and anything that could start a reserved
 * prefix (`$`, `_`, `.` at the start).
 */
const TOPIC_RE = /^[A-Za-z0-9][A-Za-z0-9_\-.:/@=]*$/;

/** Tells whether `topic` follows the topic grammar. */
export function isValidTopic(topic: unknown): topic is string {
  return (
    typeof topic === 'string' && topic.length > 0 && topic.length <= MAX_TOPIC_LENGTH && TOPIC_RE.test(topic)
  );
}

/** Explains why `topic` is not valid, or returns `undefined` when it is. */
export function topicProblem(topic: unknown): string | undefined {
  if (typeof topic !== 'string') return 'topic must be a string';
  if (topic.length === 0) return 'topic must not be empty';
  if (topic.length > MAX_TOPIC_LENGTH) return `topic is longer than ${MAX_TOPIC_LENGTH} characters`;
  if (!TOPIC_RE.test(topic)) {
    return 'topic must start with a letter or digit and contain only letters, digits and _ - . : / @ =';
  }
  return undefined;
}
