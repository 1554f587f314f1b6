/**
 * Hubbub chat page. Loads the client SDK's browser build from /hubbub.js: no bundler needed.
 * Each panel has its own view module; this file wires them to the client.
 */

import { createClient } from '/hubbub.js';
import {
  addMessage,
  addPending,
  addSeparator,
  clearMessages,
  pendingCount,
  setPendingQueued,
} from '/message-view.js';
import { setNotice, showError } from '/notice-view.js';
import { clearMembers, memberJoined, memberLeft, showMembers } from '/presence-view.js';
import { showResults } from '/search-view.js';
import { onRetryNow, showState } from '/status-view.js';

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

/** The guest id, and the name others see in the room's member list (`guest~name`). */
function token() {
  const name = (localStorage.getItem('hubbub-name') ?? '').trim().slice(0, 32);
  return name ? `${guestToken()}~${name}` : guestToken();
}

const client = createClient({ url: wsUrl, token });
let subscription;

/** The connection notice: shown while the link is down (with what waits to be sent), else none. */
function showConnectionNotice() {
  const { state } = client;
  const queued = pendingCount();
  if (state === 'open' || state === 'connecting') setNotice('connection', undefined);
  else if (state === 'closed')
    setNotice('connection', 'Disconnected for good: reload the page to connect again.');
  else {
    const waiting = queued === 0 ? '' : ` ${queued} ${queued === 1 ? 'message is' : 'messages are'} queued.`;
    setNotice('connection', `Connection lost. Messages you send go out once it is back.${waiting}`);
  }
}

client.on('state', (ev) => {
  showState(ev.to, ev.delayMs === undefined ? undefined : Date.now() + ev.delayMs);
  setPendingQueued(ev.to !== 'open');
  showConnectionNotice();
});
// Every scheduled attempt, also the second and later ones while already reconnecting.
client.on('retry', ({ delayMs }) => showState('reconnecting', Date.now() + delayMs));
onRetryNow(() => client.reconnectNow());
showState(client.state);

function describe(err) {
  return err?.code ? `${err.code}: ${err.message}` : String(err?.message ?? err);
}

/** The line in the list where messages are missing, from the subscription's `gap` event. */
function separatorFor(gap) {
  if (gap.epochChanged) {
    addSeparator(
      'reset',
      "The room's history was reset here: numbering starts again, older messages are below.",
    );
  } else {
    const range = gap.to === undefined || gap.to === gap.from ? `#${gap.from}` : `#${gap.from}–#${gap.to}`;
    addSeparator('missed', `Messages ${range} could not be recovered after the reconnect.`);
  }
}

function join(room) {
  subscription?.unsubscribe();
  clearMessages();
  showResults(undefined);
  setNotice('room', undefined);
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
  sub.on('gap', (gap) => sub === subscription && separatorFor(gap));
  // Who is here: the list after every (re)subscribe, then join and leave events.
  clearMembers();
  sub.on('subscribed', () => {
    sub.presence().then(
      (members) => sub === subscription && showMembers(members),
      () => {},
    );
  });
  sub.on('join', (member) => sub === subscription && memberJoined(member));
  sub.on('leave', (member) => sub === subscription && memberLeft(member));
  sub.on('error', (err) => setNotice('room', `Cannot join ${room}: ${describe(err)}`));
  history.replaceState(null, '', `#${room}`);
}

async function send(topic, data) {
  showError(undefined);
  try {
    await client.publish(topic, data);
    return true;
  } catch (err) {
    showError(describe(err));
    return false;
  }
}

$('composer').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = $('text');
  const text = input.value;
  if (!text.trim()) return;
  const name = $('name').value.trim() || 'anonymous';
  localStorage.setItem('hubbub-name', name);
  // Taken at once: a second click has nothing left to send. The client keeps the publish (and its
  // idempotency key) until the server acknowledges it, across reconnects.
  input.value = '';
  const done = addPending({ name, text }, client.state !== 'open');
  showConnectionNotice();
  const sent = await send(`chat.${$('room').value}`, { name, text, at: Date.now() });
  done();
  showConnectionNotice();
  if (!sent && !input.value) input.value = text;
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
  await send(`chat.${$('room').value}`, bytes);
});

// Search runs on the server, over the same WebSocket: a call, answered on this connection.
$('search').addEventListener('submit', async (event) => {
  event.preventDefault();
  showError(undefined);
  const text = $('search-text').value.trim();
  if (!text) return showResults(undefined);
  try {
    const room = $('room').value;
    showResults(await client.call('room.history.search', { room, text }, { timeoutMs: 5_000 }), text);
  } catch (err) {
    showError(`Search failed: ${describe(err)}`);
  }
});

$('room').addEventListener('change', () => join($('room').value));

$('name').value = localStorage.getItem('hubbub-name') ?? '';
const initialRoom = location.hash.slice(1);
if ([...$('room').options].some((o) => o.value === initialRoom)) $('room').value = initialRoom;
join($('room').value);
window.hubbub = client;
