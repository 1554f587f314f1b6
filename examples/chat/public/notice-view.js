/**
 * Notices, one per cause (`key`): the app sets a notice while its cause lasts and clears it when
 * the cause is gone, so nothing stale stays on screen. Plus the error line for a failed action.
 */

const $ = (id) => document.getElementById(id);

/**
 * Shows `text` as the notice for `key`, or removes that notice when `text` is undefined.
 * @param {string} key
 * @param {string | undefined} text
 */
export function setNotice(key, text) {
  const list = $('notices');
  let el = list.querySelector(`[data-notice="${key}"]`);
  if (text === undefined) el?.remove();
  else {
    if (!el) {
      el = document.createElement('p');
      el.className = 'notice';
      el.dataset.notice = key;
      list.append(el);
    }
    el.textContent = text;
  }
  list.hidden = list.childElementCount === 0;
}

/**
 * Shows `text` on the error line, or hides it.
 * @param {string | undefined} text
 */
export function showError(text) {
  const el = $('error');
  el.hidden = !text;
  el.textContent = text ?? '';
}
