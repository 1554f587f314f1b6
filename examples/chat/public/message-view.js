/**
 * The message list, newest first: messages, separators where the history has a hole or was reset,
 * and the user's own messages still waiting for the server ("queued" while offline).
 */

const $ = (id) => document.getElementById(id);

/** How many entries the list keeps; older ones scroll off the bottom. */
export const MAX_RENDERED = 300;

export function clearMessages() {
  $('messages').replaceChildren();
}

function span(className, text) {
  const el = document.createElement('span');
  el.className = className;
  el.textContent = text;
  return el;
}

function bytesPreview(bytes) {
  return Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** Adds `item` as the newest entry, below the user's messages still pending (they stay on top). */
function addNewest(item) {
  const list = $('messages');
  list.insertBefore(item, list.querySelector('li:not([data-pending])'));
  while (list.childElementCount > MAX_RENDERED) list.lastElementChild.remove();
}

function buildItem(data, meta) {
  const li = document.createElement('li');
  li.dataset.offset = String(meta.offset);
  li.dataset.replayed = String(Boolean(meta.replayed));
  if (data instanceof Uint8Array || data instanceof ArrayBuffer) {
    const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
    li.dataset.kind = 'binary';
    li.append(span('meta', `#${meta.offset}`), span('who', 'attachment'));
    li.append(span('bytes', `${bytes.byteLength} bytes`), span('meta', ` ${bytesPreview(bytes)}`));
  } else {
    const msg = /** @type {{ name?: string, text?: string, at?: number }} */ (data ?? {});
    li.dataset.kind = 'text';
    const time = msg.at ? new Date(msg.at).toLocaleTimeString() : '';
    li.append(span('meta', `#${meta.offset} ${time}`), span('who', String(msg.name ?? '?')));
    li.append(span('text', String(msg.text ?? '')));
  }
  return li;
}

/**
 * Adds a message at the top of the list, above any of the user's messages still pending.
 * @param {unknown} data a text message `{ name, text, at }` or bytes
 * @param {{ offset: number, replayed?: boolean }} meta
 * @param {boolean} [isHistory] part of the room's history shown on join
 */
export function addMessage(data, meta, isHistory = false) {
  const item = buildItem(data, meta);
  if (isHistory) item.dataset.history = 'true';
  addNewest(item);
}

/**
 * Adds a line across the list where messages are missing: `reset` when the room's history
 * started over (offsets begin again at #1), `missed` when some could not be recovered.
 * @param {'reset' | 'missed'} reason
 * @param {string} text
 */
export function addSeparator(reason, text) {
  const li = document.createElement('li');
  li.dataset.kind = 'separator';
  li.dataset.reason = reason;
  li.setAttribute('role', 'separator');
  li.append(span('separator-text', text));
  addNewest(li);
}

/**
 * Shows one of the user's own messages until the server has it: "queued" while offline,
 * "sending…" while online.
 * @param {{ name: string, text: string }} msg
 * @param {boolean} queued
 * @returns {() => void} removes the entry
 */
export function addPending(msg, queued) {
  const li = document.createElement('li');
  li.dataset.kind = 'text';
  li.dataset.pending = queued ? 'queued' : 'sending';
  li.append(span('meta pending-label', queued ? 'queued' : 'sending…'), span('who', msg.name));
  li.append(span('text', msg.text));
  $('messages').prepend(li);
  return () => li.remove();
}

/**
 * Relabels every pending message after the connection changed.
 * @param {boolean} queued
 */
export function setPendingQueued(queued) {
  for (const li of $('messages').querySelectorAll('li[data-pending]')) {
    li.dataset.pending = queued ? 'queued' : 'sending';
    li.querySelector('.pending-label').textContent = queued ? 'queued' : 'sending…';
  }
}

/** How many of the user's messages are still pending. */
export function pendingCount() {
  return $('messages').querySelectorAll('li[data-pending]').length;
}
