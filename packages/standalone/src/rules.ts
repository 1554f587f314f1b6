/**
 * Topic permission rules: patterns with `*`, `**` and `{userId}`, checked in order by `authorize`.
 */
import type { AuthorizeHook } from '@hubbub/server';
import type { RuleAction, TopicRule } from './config/types.js';

/** Actions a rule may name. */
export const RULE_ACTIONS: readonly RuleAction[] = ['subscribe', 'publish', 'presence'];

const PLACEHOLDER = '{userId}';
const LITERAL = /[A-Za-z0-9_\-.:/@=]/;
const ESCAPE = /[.*+?^${}()|[\]\\/-]/g;
// Marks where the user id goes in a compiled pattern; no topic character can produce it.
const USER_MARK = '\u0000';

interface CompiledRule {
  readonly allow: ReadonlySet<string>;
  /** The pattern's regular expression, or, with `{userId}`, its source with USER_MARK in place. */
  readonly re: RegExp | undefined;
  readonly source: string;
}

function escapeRegExp(text: string): string {
  return text.replace(ESCAPE, '\\$&');
}

/**
 * Turns a pattern into a regular expression source (`{userId}` left as a mark). Throws an `Error`
 * explaining the first character that cannot appear in a pattern.
 */
export function patternSource(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; ) {
    if (pattern.startsWith(PLACEHOLDER, i)) {
      out += USER_MARK;
      i += PLACEHOLDER.length;
    } else if (pattern.startsWith('**', i)) {
      if (i + 2 !== pattern.length) throw new Error('"**" may only end a pattern');
      out += '.+';
      i += 2;
    } else if (pattern[i] === '*') {
      out += '[^.:/]+';
      i += 1;
    } else if (LITERAL.test(pattern[i] as string)) {
      out += escapeRegExp(pattern[i] as string);
      i += 1;
    } else {
      throw new Error(
        `${JSON.stringify(pattern[i])} cannot appear in a topic pattern (topic characters, *, ** and {userId} only)`,
      );
    }
  }
  if (out === '') throw new Error('pattern must not be empty');
  return `^${out}$`;
}

function compile(rule: TopicRule): CompiledRule {
  const source = patternSource(rule.topic);
  return {
    allow: new Set(rule.allow),
    re: source.includes(USER_MARK) ? undefined : new RegExp(source),
    source,
  };
}

function matches(rule: CompiledRule, topic: string, userId: string | undefined): boolean {
  if (rule.re) return rule.re.test(topic);
  // A personal pattern never matches an anonymous connection.
  if (userId === undefined) return false;
  return new RegExp(rule.source.split(USER_MARK).join(escapeRegExp(userId))).test(topic);
}

/** A predicate telling whether a topic matches one of `patterns` (no `{userId}` in them). */
export function topicMatcher(patterns: readonly string[]): (topic: string) => boolean {
  const res = patterns.map((p) => new RegExp(patternSource(p)));
  return (topic) => res.some((re) => re.test(topic));
}

/** The user id of a principal: the `sub` claim of a verified token. */
export function userIdOf(principal: unknown): string | undefined {
  if (typeof principal !== 'object' || principal === null) return undefined;
  const sub = (principal as { sub?: unknown }).sub;
  return typeof sub === 'string' && sub !== '' ? sub : undefined;
}

/**
 * Builds an `authorize` hook from rules: the first rule whose pattern matches the topic decides
 * whether the action is allowed; when none matches, it is refused.
 */
export function createRulesAuthorize(rules: readonly TopicRule[]): AuthorizeHook {
  const compiled = rules.map(compile);
  return (principal, action, topic) => {
    const userId = userIdOf(principal);
    for (const rule of compiled) {
      if (matches(rule, topic, userId)) return rule.allow.has(action);
    }
    return false;
  };
}
