// Calls of the public API under /api/v1. The token travels in the
// Authorization header only, never in a URL, and no request sends or
// accepts cookies.

export class APIError extends Error {
  constructor(status, code, message, retryAfter) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

async function request(method, path, { token, body, signal, headers = {} } = {}) {
  const h = { ...headers };
  if (token) h.Authorization = 'Bearer ' + token;
  if (body !== undefined) h['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers: h,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
    cache: 'no-store',
    credentials: 'omit',
    referrerPolicy: 'no-referrer',
  });
  if (!res.ok) {
    let reply = {};
    try { reply = await res.json(); } catch { /* not JSON */ }
    const retry = Number(res.headers.get('Retry-After')) || 0;
    throw new APIError(res.status, reply.code || '', reply.error || res.statusText, retry);
  }
  return res;
}

const json = (res) => res.json();
const messagePath = (id) => '/api/v1/inbox/messages/' + encodeURIComponent(id);

export const domains = () => request('GET', '/api/v1/domains').then(json);
export const createInbox = (options) => request('POST', '/api/v1/inboxes', { body: options }).then(json);
export const getInbox = (token) => request('GET', '/api/v1/inbox', { token }).then(json);
export const extendInbox = (token, ttl) => request('POST', '/api/v1/inbox/extend', { token, body: { ttl } }).then(json);
export const deleteInbox = (token) => request('DELETE', '/api/v1/inbox', { token });

// listMessages lists newest first. With wait, the server replies when
// mail newer than after arrives or the wait ends.
export function listMessages(token, { after = '', wait = '', signal } = {}) {
  const q = new URLSearchParams();
  if (after) q.set('after', after);
  if (wait) q.set('wait', wait);
  const query = q.toString() ? '?' + q : '';
  return request('GET', '/api/v1/inbox/messages' + query, { token, signal }).then(json).then((r) => r.messages);
}

export function getMessage(token, id, { remote = false } = {}) {
  return request('GET', messagePath(id) + (remote ? '?remote_content=allow' : ''), { token }).then(json);
}

export const getRaw = (token, id) => request('GET', messagePath(id) + '/raw', { token });
export const getAttachment = (token, id, index) => request('GET', messagePath(id) + '/attachments/' + index, { token }).then((r) => r.blob());
export const deleteMessage = (token, id) => request('DELETE', messagePath(id), { token });

// openEvents opens the server-sent event stream of the inbox, starting
// after the message with id after.
export function openEvents(token, after, signal) {
  const headers = { Accept: 'text/event-stream' };
  if (after) headers['Last-Event-ID'] = after;
  return request('GET', '/api/v1/inbox/events', { token, signal, headers });
}
