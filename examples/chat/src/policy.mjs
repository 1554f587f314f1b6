/**
 * The chat's rules: who may connect, which topics exist, how long a message may be.
 */

/** Chat rooms are topics `chat.<room>`. */
export const ROOM_PREFIX = 'chat.';

/**
 * Largest frame the hub accepts, in bytes. The hub announces it in `welcome`; the client refuses
 * bigger publishes with `TOO_BIG` before sending, and the hub closes a socket that sends one
 * anyway (1009). It caps a text message at roughly 4,000 ASCII characters and an attachment at
 * 3 KiB (the page checks attachments itself to say so up front).
 */
export const MAX_FRAME_BYTES = 4096;

/** Longest chat text, in characters, checked by the server on every publish. */
export const MAX_TEXT_LENGTH = 500;

const ROOM_RE = /^chat\.[a-z0-9][a-z0-9-]{0,31}$/;

/**
 * True for topics that are chat rooms; they have presence (who is here, joins and leaves).
 * @param {string} topic
 */
export function isRoomTopic(topic) {
  return ROOM_RE.test(topic);
}

/**
 * The demo has no accounts: any non-empty token is accepted as a guest. The token is the page's
 * guest id, optionally followed by `~` and the name shown in the room's member list: the guest
 * id is the `userId` (so the tabs of one guest are one user in presence), the name its `info`. A
 * real app verifies a session cookie or a JWT here (see examples/node-service).
 *
 * @param {{ token?: string }} ctx
 */
export function authenticate({ token }) {
  if (typeof token !== 'string' || token.length === 0 || token.length > 64) {
    throw new Error('a guest token is required');
  }
  const cut = token.indexOf('~');
  const guest = cut < 0 ? token : token.slice(0, cut);
  if (guest.length === 0) throw new Error('a guest token is required');
  const name =
    cut < 0
      ? ''
      : token
          .slice(cut + 1)
          .trim()
          .slice(0, 32);
  return { principal: { guest }, userId: guest, info: { name: name || guest } };
}

/**
 * Guests may read and write chat rooms, and see who is in them (presence), and nothing else; a text message may hold at most
 * {@link MAX_TEXT_LENGTH} characters (the refusal's message is shown on the page).
 *
 * @param {unknown} _principal
 * @param {'subscribe' | 'publish' | 'presence'} action
 * @param {string} topic
 * @param {unknown} [data] the message, for publishes
 * @returns {boolean | string}
 */
export function authorize(_principal, action, topic, data) {
  if (!isRoomTopic(topic)) return false;
  const text = action === 'publish' && data !== null && typeof data === 'object' ? data.text : undefined;
  if (typeof text === 'string' && text.length > MAX_TEXT_LENGTH) {
    return `message longer than ${MAX_TEXT_LENGTH} characters`;
  }
  return true;
}
