// Closing a workshop after its last session: the module's rule decides each student's
// completion (or "incomplete" with the reasons). Offered to the host and the school's
// managers; never while assessments wait to be saved (the verdicts would miss them).
import { api } from '../api.js';
import { announce, h, replace } from '../dom.js';
import {
  formatDate, formatPercent, getLang, pick, t,
} from '../i18n.js';
import { errorBox } from '../problems.js';

function manages(user, workshop) {
  if (!user || !workshop) return false;
  if (user.role === 'admin' || user.role === 'school_admin') return true;
  return user.role === 'teacher' && workshop.host_teacher?.id === user.id;
}

/**
 * Draw the closing section into `section` (hidden when there is nothing to offer). Returns
 * `refresh()`, which follows `busy()` (marks not saved yet) without redrawing the messages.
 */
export function closeSection(section, { user, workshop, roster, busy, onClosed }) {
  const status = roster?.workshop.status;
  const nothing = () => {};
  if (!manages(user, workshop) || !roster || status === 'cancelled') {
    section.hidden = true;
    return nothing;
  }
  section.hidden = false;
  const heading = h('h2', { id: 'close-heading' }, t('close.title'));
  const rule = roster.workshop.rule;
  const ruleText = h('p', { class: 'hint' }, t('close.rule', {
    attendance: formatPercent(Number(rule.min_attendance)),
    outcomes: rule.min_outcomes,
    total: roster.workshop.outcomes.length,
  }));
  const ended = workshop.last_ends_at && new Date(workshop.last_ends_at) <= new Date();
  if (!ended) {
    replace(section, heading, ruleText, h('p', { class: 'alert alert-info' }, 'ℹ ', workshop.last_ends_at
      ? t('close.notYet', { date: formatDate(workshop.last_ends_at) })
      : t('close.noSessions')));
    return nothing;
  }
  const result = h('div', { role: 'status', aria: { live: 'polite' } });
  const errors = h('div');
  const closed = status === 'completed';
  const button = h('button', { type: 'button', class: 'primary' }, closed ? t('close.again') : t('close.button'));
  const wait = h('p', { id: 'close-wait', class: 'alert alert-pending' }, '↻ ', t('close.saveFirst'));
  let working = false;
  const refresh = () => {
    const waiting = busy();
    wait.hidden = !waiting;
    button.disabled = waiting || working;
    if (waiting) button.setAttribute('aria-describedby', 'close-wait');
    else button.removeAttribute('aria-describedby');
  };
  button.addEventListener('click', async () => {
    if (busy()) return;
    if (!window.confirm(closed ? t('close.confirmAgain') : t('close.confirm'))) return;
    working = true;
    refresh();
    replace(errors);
    replace(result, h('p', { class: 'loading' }, '↻ ', t('close.working')));
    try {
      const answer = await api(`/workshops/${roster.workshop.id}/complete`, { method: 'POST' });
      onClosed(answer);
      // onClosed redraws this section; the summary goes into the fresh one.
      const fresh = section.querySelector('[role=status]');
      if (fresh) replace(fresh, summary(answer));
      announce(t('close.done', { completed: answer.completed, incomplete: answer.incomplete }));
    } catch (error) {
      replace(result);
      replace(errors, errorBox(error));
    } finally {
      working = false;
      refresh();
    }
  });
  replace(
    section, heading, ruleText,
    closed ? h('p', { class: 'state state-done' }, '✔ ', t('close.closed')) : null,
    wait,
    h('div', { class: 'actions' }, button),
    errors, result,
  );
  refresh();
  return refresh;
}

function summary(answer) {
  return h('div', { class: 'alert alert-success' },
    h('span', { class: 'alert-icon', 'aria-hidden': 'true' }, '✔'),
    h('div', {},
      h('strong', {}, t('close.done', { completed: answer.completed, incomplete: answer.incomplete })),
      answer.course_completions?.length
        ? h('p', {}, t('close.courses'), ' ', answer.course_completions.map((c) => `${c.course_code} ${pick(c, 'title')}`).join(', '))
        : null));
}

/** A student's verdict once the workshop is closed: word + symbol, date or reasons, rate. */
export function completionCell(completion) {
  if (!completion) return h('span', { class: 'hint' }, '—');
  const done = completion.status === 'completed';
  const rate = completion.attendance_rate === null || completion.attendance_rate === undefined
    ? null : formatPercent(Number(completion.attendance_rate));
  return h('div', { class: 'verdict' },
    h('span', { class: `state ${done ? 'state-done' : 'state-cancelled'}` },
      h('span', { 'aria-hidden': 'true' }, done ? '✔ ' : '✘ '), t(done ? 'close.completed' : 'close.incomplete')),
    done && completion.completed_on ? h('span', { class: 'hint' }, formatDate(completion.completed_on, { weekday: false })) : null,
    done ? null : h('ul', { class: 'reasons' }, (completion.reasons || []).map((r) => h('li', {}, getLang() === 'en' ? r.en : r.th))),
    rate ? h('span', { class: 'hint' }, t('close.rate', { rate })) : null);
}
