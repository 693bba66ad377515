// A room's week: its sessions day by day (Monday to Sunday), with the week before and after.
import { api, apiAll } from '../api.js';
import { can } from '../auth.js';
import { dateField } from '../datetime.js';
import { field, h, replace, takeFlash } from '../dom.js';
import {
  addDays, bangkokToday, formatDate, formatShortDate, formatTime, mondayOf, pick, t, workshopTitle,
} from '../i18n.js';
import { showError } from '../problems.js';

export function render(main, { query, navigate, user }) {
  document.title = `${t('rooms.title')} · ${t('app.name')}`;
  const week = mondayOf(/^\d{4}-\d{2}-\d{2}$/.test(query.get('week') || '') ? query.get('week') : bangkokToday());
  let roomId = Number(query.get('room')) || null;
  const picker = h('select', { name: 'room' }, h('option', { value: '' }, t('app.loading')));
  const weekInput = dateField(t('rooms.week'), { name: 'week', value: week });
  const errors = h('div');
  const grid = h('div');
  const planLink = h('a', { class: 'button primary', href: '#/workshops/new' }, '+ ', t('rooms.plan'));
  const go = (room, day) => navigate(`#/rooms?room=${room || ''}&week=${day}`);

  // The native append writes a null as the text "null": the flash goes in only when there is one.
  const flash = takeFlash();
  main.append(
    h('div', { class: 'page-head' }, h('h1', {}, t('rooms.title')), planLink),
    ...(flash ? [flash] : []),
    h(
      'form',
      {
        class: 'inline-form',
        novalidate: true,
        onsubmit: (e) => {
          e.preventDefault();
          if (weekInput.check()) go(picker.value, weekInput.value || week);
          else weekInput.input.focus();
        },
      },
      field(t('rooms.room'), picker),
      weekInput.wrapper,
      h('button', { type: 'submit', class: 'secondary' }, t('rooms.show')),
    ),
    h('div', { class: 'week-nav' },
      h('button', { type: 'button', class: 'secondary', onclick: () => go(roomId, addDays(week, -7)) }, '‹ ', t('rooms.prevWeek')),
      h('p', { class: 'week-label' }, t('rooms.weekOf', { from: formatDate(week, { weekday: false }), to: formatDate(addDays(week, 6), { weekday: false }) })),
      h('button', { type: 'button', class: 'secondary', onclick: () => go(roomId, addDays(week, 7)) }, t('rooms.nextWeek'), ' ›')),
    errors,
    grid,
  );
  picker.addEventListener('change', () => go(picker.value, week));

  const controller = new AbortController();
  apiAll('/rooms', { sort: 'code' })
    .then((rooms) => {
      if (!roomId && rooms.length) roomId = rooms[0].id;
      replace(picker, rooms.length ? null : h('option', { value: '' }, t('rooms.none')),
        rooms.map((r) => h('option', { value: String(r.id), selected: r.id === roomId },
          `${r.code} · ${r.name} · ${r.school.code} (${t('rooms.seats', { n: r.seats })})`)));
      if (roomId) {
        planLink.setAttribute('href', `#/workshops/new?room=${roomId}`);
        return api(`/rooms/${roomId}/schedule`, { query: { from: week, to: addDays(week, 6) }, signal: controller.signal })
          .then((schedule) => replace(grid, weekGrid(week, schedule.sessions, can(user, 'today'))));
      }
      return null;
    })
    .catch((error) => {
      if (error.name !== 'AbortError') showError(errors, error);
    });
  return () => controller.abort();
}

function weekGrid(monday, sessions, opensRoster) {
  const days = Array.from({ length: 7 }, (_, i) => addDays(monday, i));
  const byDay = Object.fromEntries(days.map((d) => [d, []]));
  for (const s of sessions) {
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Bangkok' }).format(new Date(s.starts_at));
    (byDay[day] || []).push(s);
  }
  const today = bangkokToday();
  return h(
    'ol',
    { class: 'week-grid', aria: { label: t('rooms.gridLabel') } },
    days.map((day) => h(
      'li',
      { class: `day${day === today ? ' is-today' : ''}` },
      h('h2', { class: 'day-head' }, formatShortDate(day), day === today ? ` · ${t('rooms.today')}` : ''),
      byDay[day].length
        ? h('ul', { class: 'day-sessions' }, byDay[day].map((s) => sessionBlock(s, opensRoster)))
        : h('p', { class: 'empty' }, t('rooms.free')),
    )),
  );
}

function sessionBlock(s, opensRoster) {
  const time = `${formatTime(s.starts_at)}–${formatTime(s.ends_at)}`;
  const title = workshopTitle(s.workshop, s.module);
  // An admin taps a session to open its roster: the title is the link, stretched over the
  // block in CSS, so the block is one tap target and one Tab stop with a clear name.
  return h(
    'li',
    { class: `slot${opensRoster ? ' has-link' : ''}`, dataset: { sessionId: String(s.id), workshopId: String(s.workshop.id) } },
    h('span', { class: 'time' }, time),
    opensRoster
      ? h('a', {
        class: 'slot-title slot-link', href: `#/sessions/${s.id}`,
        aria: { label: t('rooms.openRoster', { title, time }) },
      }, title)
      : h('span', { class: 'slot-title' }, title),
    h('span', { class: 'slot-meta' }, `${s.module.code} · ${s.creator.display_name}`),
    h('span', { class: 'slot-meta' }, `${t('rooms.host')}: ${pick(s.host_teacher, 'full_name')}`),
    h('span', { class: 'slot-meta' }, t('rooms.enrolled', { n: s.enrolled_count })),
    s.attendance_taken
      ? h('span', { class: 'state state-done' }, h('span', { 'aria-hidden': 'true' }, '✔ '), t('today.taken'))
      : h('span', { class: 'state state-todo' }, h('span', { 'aria-hidden': 'true' }, '○ '), t('today.notTaken')),
  );
}
