import { isValidTopic, topicProblem } from './topics.js';

/**
 * Tells whether `method` is a valid call method name. Method names follow the topic grammar
 * (1–128 of `A-Z a-z 0-9 _ - . : / @ =`, starting with a letter or digit), so `room.rename` and
 * `user/42:profile` are fine and a name can be logged or used as a metric label as is.
 */
export const isValidMethod: (method: unknown) => method is string = isValidTopic;

/** Explains why `method` is not a valid method name, or returns `undefined` when it is. */
export function methodProblem(method: unknown): string | undefined {
  return topicProblem(method)?.replace('topic', 'method');
}
