// The open inbox: its address card, countdown, message list and live
// updates, and the actions on it.
import * as api from './api.js';
import * as session from './session.js';
import { t } from './strings.js';
import { timeLeft, longTime } from './format.js';
import { copyText } from './clipboard.js';
import { watch } from './events.js';
import { MessageList } from './list.js';
import { Reader } from './reader.js';

const $ = (id) => document.getElementById(id);

// inboxButtons work only while an inbox is open.
const inboxButtons = ['copy-address', 'extend', 'extend-ttl', 'delete-inbox', 'save-key'];

export class Inbox {
  constructor() {
    this.list = new MessageList($('message-list'), $('empty'), (id) => this.openMessage(id).catch((e) => this.fail(e)));
    this.reader = new Reader({
      status: (text) => this.status(text),
      fail: (e) => this.fail(e),
      onSeen: (id) => this.list.update(id, { seen: true }),
      onDeleted: (id) => this.list.remove(id),
      onClose: () => {
        this.list.select('');
        $('messages').focus();
      },
    });
    this.watcher = null;
    this.timer = setInterval(() => this.tick(), 1000);
  }

  // use opens an inbox: {token, address, expires_at}.
  async use(inbox) {
    this.stop();
    session.save(inbox);
    this.current = inbox;
    this.setOpen(true);
    showAddress(inbox.address);
    this.tick();
    this.list.clear();
    if (!$('reader').hidden) this.reader.close();
    const messages = await api.listMessages(inbox.token);
    this.list.add(messages);
    this.updateTitle();
    this.startWatching(inbox.token);
  }

  // create makes a new inbox from the body of POST /api/v1/inboxes.
  async create(options = {}) {
    const created = await api.createInbox(options);
    await this.use({ token: created.token, address: created.address, expires_at: created.expires_at });
    this.status(t('created'));
  }

  // openKey opens the inbox of an access key, or rejects with the API's
  // error when no live inbox has it.
  async openKey(token) {
    const info = await api.getInbox(token);
    await this.use({ token, address: info.address, expires_at: info.expires_at });
    this.status(t('opened'));
  }

  async copyAddress() {
    const ok = await copyText(this.current.address);
    this.status(ok ? t('copied') : t('copyFailed'));
  }

  async extend(ttl) {
    const { expires_at: expiresAt } = await api.extendInbox(this.current.token, ttl);
    this.current.expires_at = expiresAt;
    session.save(this.current);
    this.tick();
    this.status(t('extended', { time: longTime(expiresAt) }));
  }

  async deleteInbox() {
    const token = this.current.token;
    this.stop();
    await api.deleteInbox(token);
    this.end(t('deleted'));
  }

  // end shows that the inbox is gone, after deletion or expiry.
  end(text) {
    this.stop();
    session.clear();
    this.current = null;
    this.setOpen(false);
    if (!$('reader').hidden) this.reader.close();
    this.list.clear();
    $('address').textContent = t('noInbox');
    $('time-left').textContent = '';
    this.updateTitle();
    this.status(text);
    $('new-address').focus();
  }

  async openMessage(id) {
    this.list.select(id);
    await this.reader.open(this.current.token, id);
    this.updateTitle();
  }

  startWatching(token) {
    const controller = new AbortController();
    this.watcher = controller;
    watch({
      token,
      after: this.list.newest(),
      signal: controller.signal,
      onMessage: (m) => this.arrived(m),
      onExpired: () => { if (this.watcher === controller) this.end(t('expired')); },
      onTrouble: (down) => { if (down) this.status(t('offline')); },
    });
  }

  arrived(summary) {
    if (!this.list.add([summary]).length) return;
    this.updateTitle();
    $('announcer').textContent = t('newMail', { from: summary.from || t('unknownSender'), subject: summary.subject || t('noSubject') });
  }

  stop() {
    if (this.watcher) this.watcher.abort();
    this.watcher = null;
  }

  tick() {
    if (!this.current) return;
    const left = new Date(this.current.expires_at).getTime() - Date.now();
    if (left <= 0) {
      this.end(t('expired'));
      return;
    }
    $('time-left').textContent = timeLeft(left);
    $('time-left').dateTime = this.current.expires_at;
  }

  setOpen(open) {
    for (const id of inboxButtons) $(id).disabled = !open;
    $('expiry-label').hidden = !open;
  }

  updateTitle() {
    const unread = this.list.unreadCount();
    document.title = unread ? `(${unread}) Mayfly` : 'Mayfly';
    const count = this.list.messages.size;
    $('messages-heading').textContent = count ? t('inboxCount', { count }) : t('inbox');
  }

  status(text) {
    $('status').textContent = text;
  }

  fail(err) {
    if (err instanceof api.APIError && err.status === 401 && this.current) {
      this.end(t('expired'));
      return;
    }
    this.status(t('error', { message: err.message }));
  }
}

// showAddress lets a long address wrap before its @ rather than inside a
// word; <wbr> adds no character to a copied selection.
function showAddress(address) {
  const at = address.lastIndexOf('@');
  $('address').replaceChildren(address.slice(0, at), document.createElement('wbr'), address.slice(at));
}
