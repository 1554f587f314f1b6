import type { HubbubError, JoinContext, PresenceMember } from '@hubbub/client';
import { useEffect, useState } from 'react';
import { useClient } from './provider.js';

/** What {@link usePresence} returns. */
export interface PresenceView {
  /** The topic's members (one per subscribed connection, on every instance), in join order. */
  readonly members: readonly PresenceMember[];
  /**
   * `'loading'` until the list arrives (again after every reconnect: meanwhile `members` is the
   * list from before the drop), `'ready'`, `'off'` when the topic has no presence on the server,
   * `'error'` when the server refused (see `error`), `'idle'` without a topic.
   */
  readonly status: 'idle' | 'loading' | 'ready' | 'off' | 'error';
  /** Why the subscription or the presence request was refused (for example `FORBIDDEN`). */
  readonly error: HubbubError | undefined;
}

type Change = readonly ['join', JoinContext] | readonly ['leave', PresenceMember];

interface View extends PresenceView {
  readonly topic: string | undefined;
  readonly run: object | undefined;
}

function emptyView(topic: string | undefined, run?: object): View {
  return { topic, run, members: [], status: topic ? 'loading' : 'idle', error: undefined };
}

/** Applies one `join` or `leave` to `members` (by sid); a join that `replaces` swaps the two. */
function apply(members: Map<string, PresenceMember>, [kind, ctx]: Change): void {
  if (kind === 'leave') {
    members.delete(ctx.sid);
    return;
  }
  const { replaces, ...member } = ctx;
  if (replaces !== undefined) members.delete(replaces);
  members.set(member.sid, member);
}

/**
 * The members of a presence-enabled topic, kept current: the list is fetched when the
 * subscription is confirmed (and after every reconnect), then `join` and `leave` events update it.
 * Events that arrive while a fetch is under way are applied on top of its answer, so none is lost.
 * Subscribes to `topic` while mounted, sharing the wire subscription with `useSubscription` on the
 * same topic; the server counts this connection as one member either way.
 *
 * @example
 * const { members, status } = usePresence('chat.lobby');
 */
export function usePresence(topic: string | null | undefined): PresenceView {
  const client = useClient();
  const wanted = topic || undefined;
  const [view, setView] = useState<View>(() => emptyView(wanted));

  useEffect(() => {
    const run = {};
    setView(emptyView(wanted, run));
    if (!client || !wanted || client.state === 'closed') return;
    let live = true;
    const members = new Map<string, PresenceMember>();
    /** Events held back while a fetch is under way; a newer fetch replaces the list. */
    let held: Change[] | undefined;
    const show = (patch: Partial<View>) => {
      if (live) setView((v) => (v.run === run ? { ...v, ...patch } : v));
    };
    const onChange = (change: Change) => {
      if (held) held.push(change);
      else {
        apply(members, change);
        show({ members: [...members.values()] });
      }
    };
    const fetchList = async () => {
      const mine: Change[] = [];
      held = mine;
      try {
        const list = await sub.presence();
        if (!live || held !== mine) return;
        members.clear();
        for (const member of list) members.set(member.sid, member);
        for (const change of mine) apply(members, change);
        held = undefined;
        show({ members: [...members.values()], status: 'ready', error: undefined });
      } catch (err) {
        if (!live || held !== mine) return;
        held = undefined;
        // Offline again: the next confirmation fetches anew.
        if (sub.state === 'subscribed') show({ status: 'error', error: err as HubbubError });
      }
    };
    const sub = client.subscribe(wanted, () => {});
    sub.on('join', (member) => onChange(['join', member]));
    sub.on('leave', (member) => onChange(['leave', member]));
    sub.on('subscribed', ({ presence }) => {
      if (presence) void fetchList();
      else show({ members: [], status: 'off' });
    });
    sub.on('state', ({ to }) => to === 'subscribing' && show({ status: 'loading' }));
    sub.on('error', (error) => show({ status: 'error', error }));
    return () => {
      live = false;
      sub.unsubscribe();
    };
  }, [client, wanted]);

  const current = view.topic === wanted ? view : emptyView(wanted);
  const { topic: _topic, run: _run, ...rest } = current;
  return rest;
}
