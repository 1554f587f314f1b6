import type {
  GapContext,
  HubbubError,
  MessageMeta,
  SubscribedContext,
  SubscriptionState,
} from '@hubbub/client';
import { useEffect, useRef, useState } from 'react';
import { useClient } from './provider.js';

/** Options of {@link useSubscription}. */
export interface UseSubscriptionOptions<T = unknown> {
  /**
   * Start with the topic's latest `last` messages (flagged `replayed`), then live ones. Read when
   * the subscription starts (on mount and when the topic changes).
   * @default 0 (live messages only)
   */
  readonly last?: number;
  /**
   * How many recent messages `messages` holds; older ones are dropped. 0 keeps none (use
   * `onMessage` to handle every message yourself).
   * @default 100
   */
  readonly keep?: number;
  /**
   * Called for every message, before the component renders again. The latest function given is
   * the one called; changing it does not resubscribe.
   */
  readonly onMessage?: (data: T, meta: MessageMeta) => void;
}

/** One message as {@link useSubscription} keeps it. */
export interface ReceivedMessage<T = unknown> {
  /** The published value. Its type is not checked: `T` is what you say the topic carries. */
  readonly data: T;
  readonly meta: MessageMeta;
}

/** What {@link useSubscription} returns. */
export interface SubscriptionView<T = unknown> {
  /** The latest messages, oldest first, at most `keep` of them. */
  readonly messages: readonly ReceivedMessage<T>[];
  /**
   * `'subscribing'` until the server confirms (again while the link is down), `'subscribed'`, or
   * `'unsubscribed'` when there is no topic or the server refused it (see `error`).
   */
  readonly state: SubscriptionState;
  /**
   * The latest `gap`: messages missed while offline that the server could not replay, or a reset
   * history (`epochChanged`: offsets start over). Reload what the topic stands for from its
   * source. Stays set until the topic changes.
   */
  readonly gap: GapContext | undefined;
  /** The latest reconnect after which every missed message was replayed (flagged `replayed`). */
  readonly recovered: SubscribedContext | undefined;
  /** Why the server refused the subscription (for example `FORBIDDEN`). */
  readonly error: HubbubError | undefined;
}

/** Default of {@link UseSubscriptionOptions.keep}. */
export const DEFAULT_KEEP = 100;

interface View<T> extends SubscriptionView<T> {
  /** The topic this view belongs to, so a topic change never shows the old topic's messages. */
  readonly topic: string | undefined;
  /** The subscription (one per effect run) whose events may change this view. */
  readonly run: object | undefined;
}

function emptyView<T>(topic: string | undefined, run?: object): View<T> {
  return {
    topic,
    run,
    messages: [],
    state: topic ? 'subscribing' : 'unsubscribed',
    gap: undefined,
    recovered: undefined,
    error: undefined,
  };
}

/**
 * Subscribes to `topic` while the component is mounted (none while `topic` is null or empty) and
 * returns the recent messages with the subscription's state, `gap`, `recovered` and `error`.
 * Unmounting or changing the topic unsubscribes; after reconnects the client resumes from the
 * last message seen, so `messages` has no duplicates and no silent holes (see `gap`).
 *
 * @example
 * const { messages, gap } = useSubscription<ChatLine>('chat.lobby', { last: 50 });
 */
export function useSubscription<T = unknown>(
  topic: string | null | undefined,
  options: UseSubscriptionOptions<T> = {},
): SubscriptionView<T> {
  const client = useClient();
  const wanted = topic || undefined;
  const [view, setView] = useState<View<T>>(() => emptyView(wanted));
  const onMessage = useRef(options.onMessage);
  const settings = useRef({ last: options.last, keep: options.keep ?? DEFAULT_KEEP });
  useEffect(() => {
    onMessage.current = options.onMessage;
    settings.current = { last: options.last, keep: options.keep ?? DEFAULT_KEEP };
  });

  useEffect(() => {
    const run = {};
    setView(emptyView(wanted, run));
    if (!client || !wanted || client.state === 'closed') return;
    let live = true;
    const update = (change: (v: View<T>) => Partial<View<T>>) => {
      if (live) setView((v) => (v.run === run ? { ...v, ...change(v) } : v));
    };
    const { last, keep } = settings.current;
    const sub = client.subscribe(
      wanted,
      (data, meta) => {
        if (!live) return;
        const message = { data: data as T, meta };
        onMessage.current?.(message.data, meta);
        update((v) => ({ messages: keep > 0 ? [...v.messages, message].slice(-keep) : v.messages }));
      },
      { last },
    );
    sub.on('state', ({ to }) => update(() => ({ state: to })));
    sub.on('subscribed', () => update(() => ({ state: 'subscribed' })));
    sub.on('gap', (gap) => update(() => ({ gap })));
    sub.on('recovered', (recovered) => update(() => ({ recovered })));
    sub.on('error', (error) => update(() => ({ error, state: 'unsubscribed' })));
    return () => {
      live = false;
      sub.unsubscribe();
    };
  }, [client, wanted]);

  const current = view.topic === wanted ? view : emptyView<T>(wanted);
  const { topic: _topic, run: _run, ...rest } = current;
  return rest;
}
