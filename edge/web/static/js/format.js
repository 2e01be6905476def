// Formatting of durations, sizes and times in the page's language.
import { t } from './strings.js';

export function timeLeft(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (d > 0) return t('timeDays', { d, h });
  if (h > 0) return t('timeHours', { h, m });
  if (m > 0) return t('timeMinutes', { m, s });
  return t('timeSeconds', { s });
}

export function size(bytes) {
  if (bytes < 1000) return t('sizeBytes', { n: bytes });
  if (bytes < 1000 * 1000) return t('sizeKB', { n: (bytes / 1000).toFixed(1) });
  return t('sizeMB', { n: (bytes / 1000 / 1000).toFixed(1) });
}

const lang = () => document.documentElement.lang || undefined;

// shortTime shows the time alone for today and the date otherwise.
export function shortTime(iso) {
  const date = new Date(iso);
  const today = new Date().toDateString() === date.toDateString();
  const options = today ? { hour: '2-digit', minute: '2-digit' } : { month: 'short', day: 'numeric' };
  return date.toLocaleString(lang(), options);
}

export const longTime = (iso) => new Date(iso).toLocaleString(lang(), { dateStyle: 'medium', timeStyle: 'short' });
