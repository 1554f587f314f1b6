/**
 * Who is in the room: the member list (one line per user, with its number of tabs) and a line in
 * the message list when someone joins or leaves. Fed by the subscription's `join` and `leave`
 * events and by `sub.presence()` after every (re)subscribe.
 */

const $ = (id) => document.getElementById(id);

/** sid -> member, for the room shown. */
const members = new Map();

function nameOf(member) {
  return String(member.info?.name ?? member.userId ?? 'guest');
}

function span(className, text) {
  const s = document.createElement('span');
  s.className = className;
  s.textContent = text;
  return s;
}

/** Members of one user other than `sid`: a user with another tab open did not leave. */
function otherTabs(member) {
  return [...members.values()].filter((m) => m.sid !== member.sid && m.userId === member.userId).length;
}

function render() {
  const users = new Map();
  for (const m of members.values()) {
    const key = m.userId ?? m.sid;
    const user = users.get(key) ?? { name: nameOf(m), tabs: 0 };
    user.tabs++;
    users.set(key, user);
  }
  const items = [...users.values()]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map(({ name, tabs }) => {
      const li = document.createElement('li');
      li.append(span('who', name));
      if (tabs > 1) li.append(span('meta', ` ${tabs} tabs`));
      return li;
    });
  $('members').replaceChildren(...items);
  $('members-count').textContent = `(${users.size})`;
}

/** A "joined" / "left" line at the top of the message list, under the unsent messages. */
function addLine(text) {
  const list = $('messages');
  const li = document.createElement('li');
  li.dataset.kind = 'presence';
  li.append(span('presence-text', text));
  list.insertBefore(li, list.querySelector('li:not([data-pending])'));
}

/** Another room, or the link is being set up again: forget the members. */
export function clearMembers() {
  members.clear();
  render();
}

/** The full list, from `sub.presence()`. */
export function showMembers(list) {
  members.clear();
  for (const m of list) members.set(m.sid, m);
  render();
}

/** A `join` event. A member that `replaces` another is the same tab back after a reconnect: no line. */
export function memberJoined(member) {
  if (member.replaces !== undefined) members.delete(member.replaces);
  const known = member.replaces !== undefined || members.has(member.sid) || otherTabs(member) > 0;
  members.set(member.sid, member);
  render();
  if (!known) addLine(`${nameOf(member)} joined`);
}

/** A `leave` event: a line only when it was the user's last tab. */
export function memberLeft(member) {
  if (!members.delete(member.sid)) return;
  render();
  if (otherTabs(member) === 0) addLine(`${nameOf(member)} left`);
}
