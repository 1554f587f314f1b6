/**
 * Search results: the matches `room.history.search` returned (newest first), or that there were
 * none. Text goes in with `textContent`, never as HTML.
 */

const $ = (id) => document.getElementById(id);

/**
 * Shows the matches of a search for `query`, or hides the list when `matches` is undefined.
 * @param {{ offset: number, name: string, text: string, at?: number }[] | undefined} matches
 * @param {string} [query]
 */
export function showResults(matches, query) {
  const list = $('search-results');
  list.replaceChildren();
  list.hidden = matches === undefined;
  if (matches === undefined) return;
  if (matches.length === 0) {
    const li = document.createElement('li');
    li.className = 'empty';
    li.textContent = `Nothing in this room's recent history matches “${query}”.`;
    list.append(li);
    return;
  }
  for (const m of matches) {
    const li = document.createElement('li');
    const who = document.createElement('strong');
    who.textContent = m.name || 'anonymous';
    const when = m.at === undefined ? '' : ` ${new Date(m.at).toLocaleTimeString()}`;
    li.append(`#${m.offset}${when} `, who, `: ${m.text}`);
    list.append(li);
  }
}
