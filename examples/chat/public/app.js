/**
 * Hubbub chat page. Loads the client SDK's browser build from /hubbub.js: no bundler needed.
 */

import { addHistory, addMessage, clearMessages, showError, showNotice, showState } from '/chat-view.js';
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
showState(client.state);

function fromJson(data) {
  if (data && typeof data === 'object' && typeof data.$bytes === 'string') {
    return Uint8Array.from(atob(data.$bytes), (c) => c.charCodeAt(0));
  }
  return data;
}

/** History up to the offset the subscription started after: no gap, no overlap with live messages. */
async function loadHistory(sub, room, position) {
  try {
    const params = new URLSearchParams({
      room,
      upto: String(position.offset),
      limit: String(HISTORY_ON_JOIN),
    });
    const res = await fetch(`/history?${params}`);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const body = await res.json();
    if (sub !== subscription || body.epoch !== position.epoch) return;
    addHistory(body.messages.map((m) => ({ offset: m.offset, data: fromJson(m.data) })));
  } catch (err) {
    showNotice(`Could not load the room's history: ${err.message}`);
  }
}

function join(room) {
  subscription?.unsubscribe();
  clearMessages();
  showNotice(undefined);
  const sub = client.subscribe(`chat.${room}`, (data, meta) => {
    if (sub === subscription) addMessage(data, meta);
  });
  subscription = sub;
  let first = true;
  sub.on('subscribed', ({ position }) => {
    if (first) void loadHistory(sub, room, position);
    first = false;
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
