// Attendance statuses: each has a word and a symbol (never colour alone). Marking is one tap
// per status (a button each), so there is no cycle to step through.
import { h } from './dom.js';
import { t } from './i18n.js';

export const STATUSES = ['present', 'late', 'excused', 'absent'];

const SYMBOLS = { present: '✔', late: '◔', excused: '✉', absent: '✘', unmarked: '—' };

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

/**
 * One of a student's four marking buttons: symbol + word; the current mark is pressed
 * (aria-pressed) and filled with its status's colour and border shape.
 */
export function statusButton(status, { pressed, onclick }) {
  return h(
    'button',
    {
      type: 'button',
      class: `status-button${pressed ? ` is-pressed status-${status}` : ''}`,
      dataset: { status },
      aria: { pressed: pressed ? 'true' : 'false' },
      onclick,
    },
    h('span', { class: 'status-symbol', 'aria-hidden': 'true' }, SYMBOLS[status]),
    h('span', { class: 'status-text' }, statusLabel(status)),
  );
}
