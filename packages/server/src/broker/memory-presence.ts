import type { PresenceEntry, PresenceEvent, PresenceMember, PresenceStats } from './broker.js';

/** One topic's members, with the indexes that keep joins and counts O(1). */
interface TopicPresence {
  readonly members: Map<string, PresenceEntry>;
  /** Client instance -> sid of its member. */
  readonly clients: Map<string, string>;
  /** User key -> members of the user. */
  readonly users: Map<string, number>;
}

/** Who a member counts as: its user, else its client instance, else its connection. */
function userKey({ member, client }: PresenceEntry): string {
  return member.userId !== undefined ? `u${member.userId}` : `#${client ?? member.sid}`;
}

/**
 * Presence of the in-memory broker: members per topic, in this process. Events are handed to
 * `emit` synchronously, in the order of the changes.
 */
export class MemoryPresence {
  readonly #topics = new Map<string, TopicPresence>();

  constructor(private readonly emit: (event: PresenceEvent) => void) {}

  join(topic: string, entry: PresenceEntry): void {
    let state = this.#topics.get(topic);
    if (!state) {
      state = { members: new Map(), clients: new Map(), users: new Map() };
      this.#topics.set(topic, state);
    }
    const { member, client } = entry;
    if (state.members.has(member.sid)) return;
    const key = userKey(entry);
    let replaces: string | undefined;
    if (client !== undefined) {
      const old = state.clients.get(client);
      const oldEntry = old === undefined ? undefined : state.members.get(old);
      if (old !== undefined && oldEntry && userKey(oldEntry) === key) {
        state.members.delete(old);
        replaces = old;
      }
      state.clients.set(client, member.sid);
    }
    state.members.set(member.sid, entry);
    if (replaces === undefined) state.users.set(key, (state.users.get(key) ?? 0) + 1);
    this.emit(
      replaces === undefined ? { type: 'join', topic, member } : { type: 'join', topic, member, replaces },
    );
  }

  leave(topic: string, sid: string): void {
    const state = this.#topics.get(topic);
    const entry = state?.members.get(sid);
    if (!state || !entry) return;
    state.members.delete(sid);
    const key = userKey(entry);
    const left = (state.users.get(key) ?? 1) - 1;
    if (left > 0) state.users.set(key, left);
    else state.users.delete(key);
    if (entry.client !== undefined && state.clients.get(entry.client) === sid)
      state.clients.delete(entry.client);
    if (state.members.size === 0) this.#topics.delete(topic);
    this.emit({ type: 'leave', topic, member: entry.member });
  }

  members(topic: string): PresenceMember[] {
    return Array.from(this.#topics.get(topic)?.members.values() ?? [], (entry) => entry.member);
  }

  stats(topic: string): PresenceStats {
    const state = this.#topics.get(topic);
    return { connections: state?.members.size ?? 0, users: state?.users.size ?? 0 };
  }

  clear(): void {
    this.#topics.clear();
  }
}
