/** DOM rendering for the chat page: status line, error line, message list (newest first). */

const $ = (id) => document.getElementById(id);

/** How many messages the list keeps; older ones scroll off the bottom. */
export const MAX_RENDERED = 300;

let countdownTimer;

/**
 * Shows the connection state. For 'reconnecting' with a known next attempt, counts down to it.
 * @param {string} state
 * @param {number | undefined} nextAttemptAt epoch ms of the next attempt
 */
export function showState(state, nextAttemptAt) {
  const el = $('status');
  clearInterval(countdownTimer);
  el.dataset.state = state;
  const render = () => {
    if (state !== 'reconnecting') el.textContent = state === 'connecting' ? 'connecting…' : state;
    else if (nextAttemptAt === undefined) el.textContent = 'reconnecting…';
    else el.textContent = `reconnecting in ${Math.max(0, Math.ceil((nextAttemptAt - Date.now()) / 1000))}s`;
  };
  render();
  if (state === 'reconnecting' && nextAttemptAt !== undefined) countdownTimer = setInterval(render, 250);
}

/** @param {string | undefined} text */
export function showError(text) {
  const el = $('error');
  el.hidden = !text;
  el.textContent = text ?? '';
}

/** @param {string | undefined} text */
export function showNotice(text) {
  const el = $('notice');
  el.hidden = !text;
  el.textContent = text ?? '';
}

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
 * Adds a message at the top of the list.
 * @param {unknown} data a text message `{ name, text, at }` or bytes
 * @param {{ offset: number, replayed?: boolean }} meta
 * @param {boolean} [isHistory] part of the room's history shown on join
 */
export function addMessage(data, meta, isHistory = false) {
  const list = $('messages');
  const item = buildItem(data, meta);
  if (isHistory) item.dataset.history = 'true';
  list.prepend(item);
  while (list.childElementCount > MAX_RENDERED) list.lastElementChild.remove();
}
