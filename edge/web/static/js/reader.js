// The reading pane: headers, detected codes and links, attachments, and
// the text, HTML and source views of one message.
import * as api from './api.js';
import { t } from './strings.js';
import { longTime, size } from './format.js';
import { copyText } from './clipboard.js';
import { frameDocument } from './frame.js';

// maxSourceChars bounds the source view, which is plain text in the page.
const maxSourceChars = 2 * 1000 * 1000;

const $ = (id) => document.getElementById(id);

export class Reader {
  // status shows a short message; fail shows an error of a failed action.
  constructor({ status, fail, onSeen, onDeleted, onClose }) {
    this.status = status;
    this.onSeen = onSeen;
    this.onDeleted = onDeleted;
    this.onClose = onClose;
    this.message = null;
    this.remote = new Set();
    this.view = 'text';
    const on = (target, handler) => target.addEventListener('click', (e) => handler(e).catch(fail));
    for (const b of document.querySelectorAll('[data-view]')) on(b, () => this.show(b.dataset.view));
    on($('load-remote'), () => this.loadRemote());
    on($('delete-message'), () => this.deleteMessage());
    on($('back'), async () => this.close());
    on($('chips'), (e) => this.onChip(e));
    on($('attachments'), (e) => this.onAttachment(e));
  }

  async open(token, id) {
    this.token = token;
    const message = await api.getMessage(token, id, { remote: this.remote.has(id) });
    this.message = message;
    this.source = null;
    this.onSeen(id);
    $('reader').hidden = false;
    document.body.classList.add('reading');
    $('reader-subject').textContent = message.subject || t('noSubject');
    this.renderMeta(message);
    this.renderChips(message);
    this.renderAttachments(message);
    await this.show(message.html ? 'html' : 'text');
    $('reader-subject').tabIndex = -1;
    $('reader-subject').focus();
  }

  close() {
    this.message = null;
    $('reader').hidden = true;
    $('view-html').srcdoc = '';
    document.body.classList.remove('reading');
    this.onClose();
  }

  renderMeta(m) {
    const rows = [[t('from'), m.from], [t('to'), m.to || m.recipient], [t('date'), longTime(m.date || m.received_at)]];
    $('reader-meta').replaceChildren(...rows.flatMap(([name, value]) => [el('dt', name), el('dd', value)]));
  }

  renderChips(m) {
    const chips = [];
    for (const c of m.codes) {
      const b = el('button', c.value, 'chip code');
      b.type = 'button';
      b.dataset.copy = c.value;
      b.dataset.done = 'codeCopied';
      b.setAttribute('aria-label', t('copyCode', { code: c.value }));
      chips.push(b);
    }
    for (const l of m.links.filter((link) => link.verification)) {
      const group = el('span', '', 'chip link');
      const a = el('a', l.url);
      a.href = l.url;
      a.target = '_blank';
      a.rel = 'noopener noreferrer nofollow';
      a.setAttribute('aria-label', t('openLink') + ': ' + l.url);
      const copy = el('button', t('copyLink'), 'chip-copy');
      copy.type = 'button';
      copy.dataset.copy = l.url;
      copy.dataset.done = 'linkCopied';
      group.append(a, copy);
      chips.push(group);
    }
    $('chips').replaceChildren(...chips);
    $('chips').hidden = chips.length === 0;
  }

  renderAttachments(m) {
    const items = m.attachments.filter((a) => !a.inline).map((a) => {
      const b = el('button', '', 'attachment');
      b.type = 'button';
      b.dataset.index = a.index;
      b.dataset.name = a.filename;
      b.append(el('span', a.filename, 'name'), el('span', `${a.content_type || 'application/octet-stream'}, ${size(a.size)}`, 'type'));
      b.setAttribute('aria-label', t('download', { name: a.filename }) + ` (${a.content_type}, ${size(a.size)})`);
      const li = el('li');
      li.append(b);
      return li;
    });
    $('attachments').replaceChildren(...items);
    $('attachments').hidden = items.length === 0;
  }

  async show(view) {
    if (!this.message) return;
    this.view = view;
    for (const b of document.querySelectorAll('[data-view]')) {
      b.setAttribute('aria-pressed', String(b.dataset.view === view));
      b.disabled = b.dataset.view === 'html' && !this.message.html;
    }
    $('view-text').hidden = view !== 'text';
    $('view-html').hidden = view !== 'html';
    $('view-source').hidden = view !== 'source';
    $('load-remote').hidden = view !== 'html' || !this.message.html || this.remote.has(this.message.id);
    if (view === 'text') $('view-text').textContent = this.message.text;
    if (view === 'html') await this.renderHTML();
    if (view === 'source') await this.renderSource();
  }

  async renderHTML() {
    const m = this.message;
    const doc = await frameDocument(m.html, { token: this.token, messageId: m.id, remote: this.remote.has(m.id) });
    if (this.message === m) $('view-html').srcdoc = doc;
  }

  async renderSource() {
    if (this.source === null) {
      const res = await api.getRaw(this.token, this.message.id);
      const text = await res.text();
      this.source = text.length > maxSourceChars ? text.slice(0, maxSourceChars) + '\n' + t('sourceTruncated', { size: size(maxSourceChars) }) : text;
    }
    $('view-source').textContent = this.source;
  }

  // loadRemote shows the message again with its https images, for this
  // message only and until the tab is closed.
  async loadRemote() {
    const id = this.message.id;
    this.remote.add(id);
    this.message = await api.getMessage(this.token, id, { remote: true });
    await this.show('html');
    this.status(t('remoteLoaded'));
    $('view-html').focus();
  }

  async deleteMessage() {
    const id = this.message.id;
    await api.deleteMessage(this.token, id);
    this.close();
    this.onDeleted(id);
    this.status(t('messageDeleted'));
  }

  async onChip(e) {
    const b = e.target.closest('button[data-copy]');
    if (!b) return;
    const ok = await copyText(b.dataset.copy);
    this.status(ok ? t(b.dataset.done) : t('copyFailed'));
  }

  // onAttachment downloads an attachment. The route needs the token, so
  // the bytes are fetched here and saved through a blob URL.
  async onAttachment(e) {
    const b = e.target.closest('button.attachment');
    if (!b) return;
    const blob = await api.getAttachment(this.token, this.message.id, b.dataset.index);
    const url = URL.createObjectURL(blob);
    const a = el('a');
    a.href = url;
    a.download = b.dataset.name;
    a.hidden = true;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }
}

function el(tag, text = '', className = '') {
  const node = document.createElement(tag);
  if (text) node.textContent = text;
  if (className) node.className = className;
  return node;
}
