/**
 * Hubbub chat page. Loads the client SDK's browser build from /hubbub.js: no bundler needed.
 */

import { addMessage, clearMessages, showError, showNotice, showState } from '/chat-view.js';
import { createClient } from '/hubbub.js';

/** Messages fetched from the room's history on join. */
const HISTORY_ON_JOIN = 50;
/** Attachments must fit the server's 4 KiB frame limit with their header. */
const MAX_ATTACHMENT_BYTES = 3 * 1024;

const $ = (id) => document.getElementById(id);
const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;

function guestToken() {
  let token = sessionStorage.getItem('hubbub-guest');
  if (!token) {
    token = `guest-${Math.random().toString(36).slice(2, 10)}`;
    sessionStorage.setItem('hubbub-guest', token);
  }
  return token;
}

const client = createClient({ url: wsUrl, token: () => guestToken() });
let subscription;

client.on('state', (ev) => {
  const delay = ev.delayMs ?? (ev.nextAttemptAt ? ev.nextAttemptAt - Date.now() : undefined);
  showState(ev.to, delay === undefined ? undefined : Date.now() + delay);
  if (ev.to === 'open') showNotice(undefined);
});
// Every scheduled attempt, also the second and later ones while already reconnecting.
client.on('retry', ({ delayMs }) => showState('reconnecting', Date.now() + delayMs));
showState(client.state);

function join(room) {
  subscription?.unsubscribe();
  clearMessages();
  showNotice(undefined);
  // `last` starts the subscription with the room's recent messages, then live ones: no gap, no
  // overlap between history and live messages.
  let historyLeft = 0;
  let joined = false;
  const sub = client.subscribe(
    `chat.${room}`,
    (data, meta) => {
      if (sub !== subscription) return;
      const isHistory = meta.replayed && historyLeft > 0;
      if (isHistory) historyLeft--;
      addMessage(data, meta, isHistory);
    },
    { last: HISTORY_ON_JOIN },
  );
  subscription = sub;
  sub.on('subscribed', ({ replayed }) => {
    // Only the first confirmation's replayed messages are the room's history; later ones are
    // what a reconnect caught up on.
    if (!joined) historyLeft = replayed;
    joined = true;
  });
  sub.on('gap', () => showNotice('Some messages could not be recovered after the reconnect.'));
  sub.on('error', (err) => showError(describe(err)));
  history.replaceState(null, '', `#${room}`);
}

function describe(err) {
  return err?.code ? `${err.code}: ${err.message}` : String(err?.message ?? err);
}

async function send(data) {
  showError(undefined);
  try {
    await client.publish(`chat.${$('room').value}`, data);
    return true;
  } catch (err) {
    showError(describe(err));
    return false;
  }
}

$('composer').addEventListener('submit', async (event) => {
  event.preventDefault();
  const text = $('text').value;
  if (!text.trim()) return;
  const name = $('name').value.trim() || 'anonymous';
  localStorage.setItem('hubbub-name', name);
  if (await send({ name, text, at: Date.now() })) $('text').value = '';
});

$('file').addEventListener('change', async () => {
  const file = $('file').files?.[0];
  if (!file) return;
  const bytes = new Uint8Array(await file.arrayBuffer());
  $('file').value = '';
  if (bytes.byteLength > MAX_ATTACHMENT_BYTES) {
    showError(`attachments are limited to ${MAX_ATTACHMENT_BYTES} bytes`);
    return;
  }
  await send(bytes);
});

$('room').addEventListener('change', () => join($('room').value));

$('name').value = localStorage.getItem('hubbub-name') ?? '';
const initialRoom = location.hash.slice(1);
if ([...$('room').options].some((o) => o.value === initialRoom)) $('room').value = initialRoom;
join($('room').value);
window.hubbub = client;
