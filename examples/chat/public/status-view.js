/** The connection status line and its "Retry now" button. */

const $ = (id) => document.getElementById(id);

let countdownTimer;

/**
 * Shows the connection state. For 'reconnecting' with a known next attempt, counts down to it and
 * offers "Retry now".
 * @param {string} state
 * @param {number | undefined} nextAttemptAt epoch ms of the next attempt
 */
export function showState(state, nextAttemptAt) {
  const el = $('status');
  clearInterval(countdownTimer);
  el.dataset.state = state;
  $('retry').hidden = state !== 'reconnecting';
  const render = () => {
    if (state !== 'reconnecting') el.textContent = state === 'connecting' ? 'connecting…' : state;
    else if (nextAttemptAt === undefined) el.textContent = 'reconnecting…';
    else el.textContent = `reconnecting in ${Math.max(0, Math.ceil((nextAttemptAt - Date.now()) / 1000))}s`;
  };
  render();
  if (state === 'reconnecting' && nextAttemptAt !== undefined) countdownTimer = setInterval(render, 250);
}

/**
 * Calls `retry` when "Retry now" is clicked; it returns true when an attempt started, and the
 * status then says so until the attempt ends.
 * @param {() => boolean} retry
 */
export function onRetryNow(retry) {
  $('retry').addEventListener('click', () => {
    if (retry()) showState('reconnecting', undefined);
  });
}
