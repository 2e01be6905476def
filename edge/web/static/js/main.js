// Start of the page: fill in the texts, wire the controls, and open the
// inbox of this tab or create a new one.
import { applyStrings, useLanguage } from './strings.js';
import * as session from './session.js';
import * as dialogs from './dialogs.js';
import { Inbox } from './inbox.js';

const $ = (id) => document.getElementById(id);

useLanguage(navigator.languages || [navigator.language || 'en']);
applyStrings(document);

const inbox = new Inbox();
const guard = (action) => () => action().catch((err) => inbox.fail(err));

$('copy-address').addEventListener('click', guard(() => inbox.copyAddress()));
$('new-address').addEventListener('click', guard(() => inbox.create()));
$('extend').addEventListener('click', guard(() => inbox.extend($('extend-ttl').value)));
$('custom-address').addEventListener('click', guard(() => dialogs.openCustom()));
$('delete-inbox').addEventListener('click', dialogs.openDelete);
$('save-key').addEventListener('click', () => dialogs.openKey(session.get().token));
$('open-key').addEventListener('click', dialogs.openExisting);
dialogs.setupCustom((options) => inbox.create(options));
dialogs.setupKey((text) => inbox.status(text));
dialogs.setupOpen((key) => inbox.openKey(key));
dialogs.setupDelete(guard(() => inbox.deleteInbox()));

async function start() {
  const saved = session.load();
  if (saved) {
    try {
      await inbox.openKey(saved.token);
      return;
    } catch (err) {
      // An expired or deleted inbox gets a new one; any other failure is
      // shown, and the key is kept for the next try.
      if (err.status !== 401) throw err;
      session.clear();
    }
  }
  await inbox.create();
}

start().catch((err) => inbox.fail(err)).finally(() => document.body.classList.add('ready'));
