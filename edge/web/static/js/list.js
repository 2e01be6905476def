// The message list, newest first. Rows have a fixed height and are reused
// by position. When mail arrives, the rows already on screen get new text
// and one row is added at the end. So no box moves (no layout shift), and
// the page around the list keeps its place.
import { t } from './strings.js';
import { shortTime } from './format.js';

export class MessageList {
  constructor(listEl, emptyEl, onOpen) {
    this.listEl = listEl;
    this.emptyEl = emptyEl;
    this.onOpen = onOpen;
    this.messages = new Map();
    this.order = [];
    this.selected = '';
    listEl.addEventListener('click', (e) => {
      const row = e.target.closest('button.row');
      if (row) this.onOpen(row.dataset.id);
    });
    listEl.addEventListener('keydown', (e) => this.onKey(e));
  }

  clear() {
    this.messages.clear();
    this.selected = '';
    this.render();
  }

  // add records messages, ignoring ids already listed, and reports the
  // ones that were new.
  add(summaries) {
    const added = [];
    for (const m of summaries) {
      if (this.messages.has(m.id)) continue;
      this.messages.set(m.id, { seen: false, ...m });
      added.push(m);
    }
    if (added.length) this.render();
    return added;
  }

  update(id, changes) {
    const m = this.messages.get(id);
    if (!m) return;
    Object.assign(m, changes);
    this.render();
  }

  remove(id) {
    this.messages.delete(id);
    if (this.selected === id) this.selected = '';
    this.render();
  }

  select(id) {
    this.selected = id;
    this.render();
  }

  newest() {
    return this.order[0] || '';
  }

  unreadCount() {
    let n = 0;
    for (const m of this.messages.values()) if (!m.seen) n++;
    return n;
  }

  render() {
    const focusedId = this.listEl.contains(document.activeElement) ? document.activeElement.dataset.id : '';
    this.order = [...this.messages.keys()].sort().reverse();
    const rows = this.listEl.children;
    while (rows.length < this.order.length) this.listEl.append(newRow());
    while (rows.length > this.order.length) rows[rows.length - 1].remove();
    this.order.forEach((id, i) => fillRow(rows[i].firstChild, this.messages.get(id), id === this.selected));
    this.emptyEl.hidden = this.order.length > 0;
    this.updateTabStop(focusedId);
  }

  // updateTabStop keeps one row in the tab order (a roving tabindex) and
  // moves the focus with the message it was on.
  updateTabStop(focusedId) {
    const buttons = [...this.listEl.querySelectorAll('button.row')];
    const stop = buttons.find((b) => b.dataset.id === (focusedId || this.selected)) || buttons[0];
    for (const b of buttons) b.tabIndex = b === stop ? 0 : -1;
    if (focusedId && stop) stop.focus();
  }

  onKey(e) {
    const buttons = [...this.listEl.querySelectorAll('button.row')];
    const i = buttons.indexOf(document.activeElement);
    if (i < 0) return;
    const next = { ArrowDown: i + 1, ArrowUp: i - 1, Home: 0, End: buttons.length - 1 }[e.key];
    if (next === undefined || !buttons[next]) return;
    e.preventDefault();
    for (const b of buttons) b.tabIndex = -1;
    buttons[next].tabIndex = 0;
    buttons[next].focus();
  }
}

function newRow() {
  const li = document.createElement('li');
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'row';
  for (const name of ['from', 'when', 'subject', 'flags']) {
    const span = document.createElement('span');
    span.className = name;
    button.append(span);
  }
  li.append(button);
  return li;
}

function fillRow(button, m, selected) {
  const [from, when, subject, flags] = button.children;
  button.dataset.id = m.id;
  button.classList.toggle('unread', !m.seen);
  button.classList.toggle('selected', selected);
  if (selected) button.setAttribute('aria-current', 'true');
  else button.removeAttribute('aria-current');
  from.textContent = m.from || t('unknownSender');
  subject.textContent = m.subject || t('noSubject');
  when.textContent = shortTime(m.received_at);
  when.title = new Date(m.received_at).toLocaleString();
  const notes = [];
  if (!m.seen) notes.push(t('unread'));
  if (m.has_attachments) notes.push(t('hasAttachments'));
  button.classList.toggle('has-attachments', Boolean(m.has_attachments));
  flags.setAttribute('aria-hidden', 'true');
  button.setAttribute('aria-label', [m.from || t('unknownSender'), m.subject || t('noSubject'), shortTime(m.received_at), ...notes].join(', '));
}
