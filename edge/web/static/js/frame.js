// The document of the sandboxed frame that shows a message's HTML.
//
// The HTML is the server's sanitized version. The frame has no
// allow-scripts and no allow-same-origin, so nothing in it runs or reaches
// the page, and its own policy loads no resource but data: images (and
// https images once the reader asked for remote content). Inline cid:
// images point at the attachment route, which needs the token, so they are
// fetched here and put in as data: URLs.
import { getAttachment } from './api.js';

const inlineImageTypes = /^image\/(png|gif|jpeg|webp)$/;
const attachmentPath = /^\/api\/v1\/inbox\/messages\/[^/]+\/attachments\/(\d+)$/;

const framePolicy = (remote) =>
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:" + (remote ? ' https:' : '') + "; form-action 'none'";

// The base style is an attribute, because the page's policy, which the
// frame inherits, admits inline style attributes but no style element.
const bodyStyle = 'margin:0;padding:12px;font:15px/1.5 system-ui,sans-serif;color:#1a1a1a;background:#fff;color-scheme:light;overflow-wrap:anywhere';

export async function frameDocument(html, { token, messageId, remote }) {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  await inlineImages(doc, token, messageId);
  for (const img of doc.querySelectorAll('img')) img.setAttribute('style', (img.getAttribute('style') || '') + ';max-width:100%;height:auto');
  const escaped = framePolicy(remote).replace(/"/g, '&quot;');
  return '<!doctype html><html><head><meta charset="utf-8">' +
    `<meta http-equiv="Content-Security-Policy" content="${escaped}">` +
    '<meta name="referrer" content="no-referrer">' +
    `</head><body style="${bodyStyle}">${doc.body.innerHTML}</body></html>`;
}

// inlineImages replaces each attachment URL of the message by a data: URL
// of its content, and drops images of any other origin or type.
async function inlineImages(doc, token, messageId) {
  const jobs = [...doc.querySelectorAll('img[src^="/"]')].map(async (img) => {
    const match = attachmentPath.exec(img.getAttribute('src'));
    const ownMessage = match && img.getAttribute('src').startsWith('/api/v1/inbox/messages/' + encodeURIComponent(messageId) + '/');
    if (!ownMessage) {
      img.remove();
      return;
    }
    try {
      const blob = await getAttachment(token, messageId, match[1]);
      if (!inlineImageTypes.test(blob.type)) throw new Error('not an inline image type');
      img.setAttribute('src', await dataURL(blob));
    } catch {
      img.removeAttribute('src');
    }
  });
  await Promise.all(jobs);
}

function dataURL(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}
