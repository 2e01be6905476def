// The modal dialogs: choose an address, save the access key, open an
// existing inbox, and confirm deleting the inbox. <dialog> with
// showModal() keeps the focus inside and closes on Escape. Forms are
// handled here and never submitted, so the page's form-action 'none'
// policy holds.
import * as api from './api.js';
import { t } from './strings.js';
import { copyText } from './clipboard.js';

const $ = (id) => document.getElementById(id);

for (const b of document.querySelectorAll('dialog [data-close]')) {
  b.addEventListener('click', () => b.closest('dialog').close());
}

// onSubmit runs action on submit and shows its error in errorEl; the
// dialog closes when the action succeeds.
function onSubmit(form, errorEl, action) {
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    errorEl.textContent = '';
    const button = form.querySelector('[type=submit]');
    button.disabled = true;
    try {
      await action(new FormData(form));
      form.closest('dialog').close();
    } catch (err) {
      errorEl.textContent = err.message;
    } finally {
      button.disabled = false;
    }
  });
}

let domainsLoaded = false;

// setupCustom wires the "choose address" dialog; create receives the
// request body of POST /api/v1/inboxes.
export function setupCustom(create) {
  onSubmit($('form-custom'), $('custom-error'), (data) => create({
    prefix: data.get('prefix').trim(),
    domain: data.get('domain'),
    ttl: data.get('ttl'),
  }));
}

export async function openCustom() {
  $('custom-error').textContent = '';
  $('dialog-custom').showModal();
  if (domainsLoaded) return;
  const select = $('custom-domain');
  const any = new Option(t('anyDomain'), '');
  try {
    const { domains } = await api.domains();
    select.replaceChildren(any, ...domains.map((d) => new Option(d, d)));
    domainsLoaded = true;
  } catch (err) {
    select.replaceChildren(any);
    $('custom-error').textContent = err.message;
  }
}

export function setupKey(status) {
  $('copy-key').addEventListener('click', async () => {
    const ok = await copyText($('key-value').value);
    status(ok ? t('keyCopied') : t('copyFailed'));
  });
}

export function openKey(token) {
  $('key-value').value = token;
  $('dialog-key').showModal();
  $('key-value').select();
}

// setupOpen wires the "open existing inbox" dialog; open receives the key
// and rejects when no live inbox has it.
export function setupOpen(open) {
  onSubmit($('form-open'), $('open-error'), async (data) => {
    const key = data.get('key').trim();
    try {
      await open(key);
    } catch (err) {
      if (err instanceof api.APIError && err.status === 401) throw new Error(t('openFailed'));
      throw err;
    }
    $('open-value').value = '';
  });
}

export function openExisting() {
  $('open-error').textContent = '';
  $('dialog-open').showModal();
}

export function setupDelete(confirmed) {
  $('confirm-delete').addEventListener('click', async () => {
    $('dialog-delete').close();
    await confirmed();
  });
}

export const openDelete = () => $('dialog-delete').showModal();
