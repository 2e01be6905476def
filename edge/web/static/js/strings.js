// Every text the page shows, by key. A translation is one more table in
// `tables` with the same keys; a missing key falls back to English.
// {name} marks a value filled in by t().

const en = {
  skipToMessages: 'Skip to messages',
  keyMenu: 'Access key',
  saveKey: 'Save access key',
  openKey: 'Open existing inbox',
  yourAddress: 'Your temporary address',
  copy: 'Copy',
  copied: 'Address copied.',
  copyFailed: 'Copying failed. Select the address and copy it by hand.',
  timeLeft: 'Time left:',
  inboxActions: 'Inbox actions',
  newAddress: 'New address',
  customAddress: 'Choose address',
  extendBy: 'Extend by',
  extend: 'Extend',
  deleteInbox: 'Delete inbox',
  inbox: 'Inbox',
  inboxCount: 'Inbox ({count})',
  noMail: 'No mail yet. Messages appear here as they arrive.',
  messages: 'Messages',
  back: 'Back to inbox',
  views: 'Message view',
  viewText: 'Text',
  viewHTML: 'HTML',
  viewSource: 'Source',
  loadRemote: 'Load remote content',
  remoteLoaded: 'Remote content loaded for this message.',
  deleteMessage: 'Delete message',
  messageDeleted: 'Message deleted.',
  detected: 'Codes and links found in the message',
  attachments: 'Attachments',
  htmlFrame: 'Message as HTML',
  customTitle: 'Choose an address',
  prefix: 'Prefix (optional)',
  prefixHint: 'A random tag follows the prefix, so the address is always new.',
  domain: 'Domain',
  anyDomain: 'Any domain',
  lifetime: 'Lifetime',
  ttl10m: '10 minutes',
  ttl1h: '1 hour',
  ttl24h: '1 day',
  ttl168h: '7 days',
  cancel: 'Cancel',
  create: 'Create',
  close: 'Close',
  saveKeyTitle: 'Save access key',
  saveKeyHelp: 'This key opens the inbox. It is kept in this tab only: copy it to come back after the tab is closed. Anyone with the key can read the mail.',
  accessKey: 'Access key',
  copyKey: 'Copy key',
  keyCopied: 'Access key copied.',
  openKeyTitle: 'Open an existing inbox',
  open: 'Open',
  openFailed: 'No live inbox has this key. It may have expired or been deleted.',
  deleteTitle: 'Delete this inbox?',
  deleteHelp: 'The address and every message are deleted now. This cannot be undone.',
  deleted: 'The inbox was deleted.',
  expired: 'The inbox has expired.',
  noInbox: 'No address',
  newMail: 'New message from {from}: {subject}',
  noSubject: '(no subject)',
  unknownSender: '(unknown sender)',
  unread: 'Unread',
  hasAttachments: 'Has attachments',
  from: 'From',
  to: 'To',
  date: 'Date',
  code: 'Code',
  copyCode: 'Copy code {code}',
  codeCopied: 'Code copied.',
  copyLink: 'Copy link',
  linkCopied: 'Link copied.',
  openLink: 'Verification link',
  download: 'Download {name}',
  extended: 'The inbox now expires at {time}.',
  created: 'New address ready.',
  opened: 'Inbox opened.',
  error: 'Something went wrong: {message}',
  offline: 'Connection lost. Retrying…',
  sourceTruncated: '[Source cut after {size}]',
  timeDays: '{d} d {h} h',
  timeHours: '{h} h {m} min',
  timeMinutes: '{m} min {s} s',
  timeSeconds: '{s} s',
  sizeBytes: '{n} B',
  sizeKB: '{n} KB',
  sizeMB: '{n} MB',
};

const tables = { en };

let table = en;

// useLanguage picks the first of the browser's languages that has a table.
export function useLanguage(languages) {
  for (const lang of languages) {
    const found = tables[lang] || tables[lang.split('-')[0]];
    if (found) {
      table = found;
      document.documentElement.lang = lang;
      return;
    }
  }
}

// t returns the text of key with its {name} fields filled from params.
export function t(key, params = {}) {
  const text = table[key] ?? en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ''));
}

// applyStrings fills the elements under root that name a key in data-i18n
// (text), data-i18n-label (aria-label) or data-i18n-title (title).
export function applyStrings(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t(el.dataset.i18nLabel));
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
}
