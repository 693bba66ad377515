// "Today": the sessions the signed-in person hosts (or leads, or runs) on a day.
import { api } from '../api.js';
import { dateField } from '../datetime.js';
import { h, replace } from '../dom.js';
import {
  addDays, bangkokToday, formatDate, formatTime, pick, t, workshopTitle,
} from '../i18n.js';
import { loadDraft, pendingFor } from '../outbox.js';
import { showError } from '../problems.js';

export function render(main, { query, navigate }) {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(query.get('date') || '') ? query.get('date') : bangkokToday();
  const isToday = day === bangkokToday();
  document.title = `${t('today.title')} · ${t('app.name')}`;
  const dayInput = dateField(t('today.date'), { name: 'date', value: day, required: true });
  const go = (next) => navigate(`#/today?date=${next}`);
  const picker = h(
    'form',
    {
      class: 'day-picker',
      novalidate: true,
      onsubmit: (e) => {
        e.preventDefault();
        if (dayInput.check()) go(dayInput.value);
        else dayInput.input.focus();
      },
    },
    h('button', { type: 'button', class: 'secondary', onclick: () => go(addDays(day, -1)) }, '‹ ', t('today.prev')),
    dayInput.wrapper,
    h('button', { type: 'submit', class: 'secondary' }, t('today.show')),
    h('button', { type: 'button', class: 'secondary', onclick: () => go(addDays(day, 1)) }, t('today.next'), ' ›'),
  );
  const list = h('div', { class: 'session-list', aria: { busy: 'true' } }, h('p', { class: 'loading' }, t('app.loading')));
  const errors = h('div');
  main.append(
    h('h1', {}, isToday ? t('today.title') : t('today.titleOn', { date: formatDate(day) })),
    h('p', { class: 'subtitle' }, formatDate(day)),
    picker,
    errors,
    list,
  );

  const controller = new AbortController();
  // The outbox changed (a save queued, sent, refused, or changed by another tab): redraw the
  // cards, so none says "taken" while marks wait on this device.
  const onOutbox = (event) => {
    if (['queued', 'sent', 'rejected', 'changed'].includes(event.detail.type)) load();
  };
  window.addEventListener('outbox', onOutbox);
  load();
  return () => {
    controller.abort();
    window.removeEventListener('outbox', onOutbox);
  };

  function load() {
    return api('/me/sessions', { query: { date: day }, signal: controller.signal })
      .then((data) => {
        list.removeAttribute('aria-busy');
        replace(list, data.items.length
          ? h('ul', { class: 'cards' }, data.items.map(sessionCard))
          : h('p', { class: 'empty' }, t('today.none')));
      })
      .catch((error) => {
        if (error.name === 'AbortError') return;
        list.removeAttribute('aria-busy');
        replace(list);
        showError(errors, error);
      });
  }
}

function sessionCard(s) {
  const pending = pendingFor(s.id);
  const cancelled = s.status === 'cancelled';
  let state;
  // Marks on this device come first: the server's "taken" would hide that they are not sent.
  if (pending) {
    state = h('span', { class: 'state state-pending' }, h('span', { 'aria-hidden': 'true' }, '↻ '), t('today.pending'));
  } else if (loadDraft(s.id)) {
    state = h('span', { class: 'state state-pending' }, h('span', { 'aria-hidden': 'true' }, '✎ '), t('today.unsaved'));
  } else if (s.attendance_taken) {
    state = h('span', { class: 'state state-done' }, h('span', { 'aria-hidden': 'true' }, '✔ '), t('today.taken'));
  } else {
    state = h('span', { class: 'state state-todo' }, h('span', { 'aria-hidden': 'true' }, '○ '), t('today.notTaken'));
  }
  const title = workshopTitle(s.workshop, s.module);
  const time = `${formatTime(s.starts_at)}–${formatTime(s.ends_at)}`;
  const href = `#/sessions/${s.id}`;
  // The whole card opens the roster (a finger aims at the card, not at its title): the
  // button's box is stretched over the card in CSS, so each card is one link with a clear
  // name, one Tab stop, and the biggest possible target.
  return h(
    'li',
    { class: `card session-card${cancelled ? ' is-cancelled' : ''}` },
    h(
      'div',
      { class: 'card-head' },
      h('span', { class: 'time' }, time),
      h('span', { class: 'card-title' }, title),
    ),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, t('today.room')), h('dd', {}, `${s.room.code} · ${s.room.name}`),
      h('dt', {}, t('today.module')), h('dd', {}, `${s.module.code} ${pick(s.module, 'title')}`),
      h('dt', {}, t('today.enrolled')), h('dd', {}, t('today.students', { n: s.enrolled })),
      h('dt', {}, t('today.attendance')), h('dd', {}, cancelled ? h('span', { class: 'state state-cancelled' }, '✕ ', t('today.cancelled')) : state),
    ),
    cancelled
      ? h('a', { href, class: 'button secondary card-action', aria: { label: t('today.viewFor', { title, time }) } }, t('today.view'))
      : h(
        'a',
        { href, class: 'button primary card-action', aria: { label: t('today.takeFor', { title, time }) } },
        h('span', { 'aria-hidden': 'true' }, '✔ '), t('today.take'),
      ),
  );
}
