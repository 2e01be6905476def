// Live updates of one inbox. It reads the server-sent events of
// GET /api/v1/inbox/events through fetch, so that the token stays in a
// header (EventSource cannot send one). Where the stream is unavailable
// (an edge without it, or too many streams open for the inbox) it
// long-polls GET /api/v1/inbox/messages?wait=30s&after=ID instead.
import { APIError, listMessages, openEvents } from './api.js';

const pollWait = '30s';
const retryDelay = 2000;
const maxRetryDelay = 30000;

// watch calls onMessage for each message newer than after, oldest first,
// until signal aborts. It calls onExpired once when the inbox is gone, and
// onTrouble(true|false) when the connection fails or recovers.
export async function watch({ token, after, signal, onMessage, onExpired, onTrouble }) {
  const state = { last: after || '', polling: false, delay: retryDelay };
  const seen = (summary) => {
    if (summary.id > state.last) state.last = summary.id;
    onMessage(summary);
  };
  while (!signal.aborted) {
    try {
      const ended = state.polling ? await poll(token, state, signal, seen) : await stream(token, state, signal, seen, onExpired);
      if (ended) return;
      state.delay = retryDelay;
      onTrouble(false);
      // A stream that the server closed is opened again, but not in a
      // tight loop.
      if (!state.polling) await sleep(retryDelay / 4, signal);
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof APIError && err.status === 401) {
        onExpired(null);
        return;
      }
      const wait = handleFailure(err, state);
      if (!(err instanceof APIError)) onTrouble(true);
      await sleep(wait, signal);
    }
  }
}

// handleFailure switches to polling where the stream cannot be had and
// returns how long to wait before the next try.
function handleFailure(err, state) {
  if (err instanceof APIError && (err.status === 404 || err.status === 405)) {
    state.polling = true;
    return 0;
  }
  if (err instanceof APIError && err.status === 429 && !state.polling) {
    state.polling = true;
    return 0;
  }
  const wait = err instanceof APIError && err.retryAfter ? err.retryAfter * 1000 : state.delay;
  state.delay = Math.min(state.delay * 2, maxRetryDelay);
  return wait;
}

async function poll(token, state, signal, seen) {
  const messages = await listMessages(token, { after: state.last, wait: pollWait, signal });
  for (const m of messages.slice().reverse()) seen(m);
  return false;
}

// stream reads one event stream until it ends. It returns true when the
// inbox expired, false when the stream ended otherwise.
async function stream(token, state, signal, seen, onExpired) {
  const res = await openEvents(token, state.last, signal);
  let expired = false;
  await readEvents(res.body, (event) => {
    if (event.type === 'message') {
      seen(JSON.parse(event.data));
    } else if (event.type === 'expired') {
      expired = true;
      onExpired(event.data ? JSON.parse(event.data) : null);
    }
    return expired;
  });
  return expired;
}

// readEvents parses text/event-stream (HTML Living Standard, "Server-sent
// events"): fields up to a blank line make an event, lines starting with a
// colon are comments. It stops early when onEvent returns true.
async function readEvents(body, onEvent) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let event = { type: 'message', data: [], id: '' };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      const lines = buffer.split(/\r\n|\r|\n/);
      buffer = lines.pop();
      for (const line of lines) {
        if (line === '') {
          if (event.data.length && onEvent({ type: event.type, id: event.id, data: event.data.join('\n') })) return;
          event = { type: 'message', data: [], id: '' };
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'event') event.type = value;
        else if (field === 'data') event.data.push(value);
        else if (field === 'id') event.id = value;
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

function sleep(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
  });
}
