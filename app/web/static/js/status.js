// Attendance statuses: each has a word and a symbol (never colour alone) and a place in the
// tap cycle present → late → excused → absent → present.
import { h } from './dom.js';
import { t } from './i18n.js';

export const STATUSES = ['present', 'late', 'excused', 'absent'];

const SYMBOLS = { present: '✔', late: '◔', excused: '✉', absent: '✘', unmarked: '—' };

export function nextStatus(status) {
  if (!status) return 'present';
  return STATUSES[(STATUSES.indexOf(status) + 1) % STATUSES.length];
}

export function statusLabel(status) {
  return t(`status.${status || 'unmarked'}`);
}

/** A chip showing a status as symbol + word (+ colour and shape from CSS). */
export function statusChip(status) {
  const key = status || 'unmarked';
  return h(
    'span',
    { class: `status-chip status-${key}`, dataset: { status: key } },
    h('span', { class: 'status-symbol', 'aria-hidden': 'true' }, SYMBOLS[key]),
    h('span', { class: 'status-text' }, statusLabel(status)),
  );
}
