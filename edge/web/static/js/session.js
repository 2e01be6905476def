// The open inbox: its token, address and expiry. It lives in memory and in
// sessionStorage, so a reload keeps it and closing the tab ends access.
// It is never written to a cookie, localStorage or a URL.

const storageKey = 'mayfly.inbox';

let current = null;

export function load() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(storageKey));
    if (saved && typeof saved.token === 'string') current = saved;
  } catch { /* storage unavailable or damaged: start fresh */ }
  return current;
}

export function save(inbox) {
  current = inbox;
  try { sessionStorage.setItem(storageKey, JSON.stringify(inbox)); } catch { /* memory only */ }
}

export function clear() {
  current = null;
  try { sessionStorage.removeItem(storageKey); } catch { /* memory only */ }
}

export const get = () => current;
