// A session's roster: one tap per status (four buttons per student), "all present" fills the
// unmarked, Save sends the whole roster in one PUT through the outbox (kept until the server
// has it). Every tap is already in the outbox, staged (held until Save), so nothing tapped is
// lost to a reload or a sign-in that ends. "Late" tapped during the session records the
// arrival time.
import { api, NetworkError } from '../api.js';
import { can } from '../auth.js';
import { h, replace } from '../dom.js';
import {
  className, formatDate, formatTime, pick, t, workshopTitle,
} from '../i18n.js';
import {
  flush, loadDraft, marksOf, pendingFor, queueSave, stagedFor, stageSave, unstage,
} from '../outbox.js';
import { errorBox, showError } from '../problems.js';
import { STATUSES, statusButton, statusChip, statusLabel } from '../status.js';

// A late arrival tapped this long after the end still counts as during the session (a
// teacher finishing the roster as the class leaves).
const SESSION_GRACE_MS = 15 * 60 * 1000;

export function render(main, { params, user, from }) {
  const sessionId = Number(params.sessionId);
  const readOnly = !can(user, 'mark');
  document.title = `${t('roster.title')} · ${t('app.name')}`;
  const state = {
    items: [], // [{student, status}] from the server
    saved: {}, // student id -> status as the server has it
    marks: {}, // student id -> status as the page shows it
    arrivals: {}, // student id -> arrival time (ISO) of a present or late mark
    loadedExcused: new Set(),
    session: null,
    loaded: false,
  };

  const heading = h('h1', {}, t('roster.title'));
  const subtitle = h('p', { class: 'subtitle' });
  const notice = h('div', { class: 'sync-notice', role: 'status', aria: { live: 'polite' } });
  const errors = h('div');
  const counts = h('p', { class: 'counts', aria: { live: 'polite' } });
  const list = h('ul', { class: 'roster', aria: { busy: 'true', describedby: 'roster-hint' } });
  const hint = h('p', { id: 'roster-hint', class: 'hint' }, readOnly ? t('roster.readOnly') : t('roster.hint'));
  const allPresent = h('button', { type: 'button', class: 'secondary', onclick: fillPresent }, '✔ ', t('roster.allPresent'));
  const save = h('button', { type: 'button', class: 'primary', onclick: saveMarks }, t('roster.save'));
  const toolbar = h('div', { class: 'actions sticky-actions' }, readOnly ? null : [allPresent, save]);

  const back = backTarget(sessionId, from);
  main.append(
    h('p', {}, h('a', { href: back, class: 'back' }, '‹ ', back === '#/today' ? t('roster.back') : t('roster.backPrevious'))),
    heading, subtitle, hint, notice, errors, counts, list, toolbar,
  );

  /** Marks that differ from what the server has, or from the save already waiting to go. */
  function dirty() {
    const pending = pendingFor(sessionId);
    const base = pending ? { ...state.saved, ...marksOf(pending.body) } : state.saved;
    return Object.keys(state.marks).some((id) => state.marks[id] !== (base[id] ?? null));
  }

  function draw() {
    replace(list, state.items.map((item) => row(item)));
    drawCounts();
    drawNotice();
  }

  function drawCounts() {
    const tally = { present: 0, late: 0, excused: 0, absent: 0, unmarked: 0 };
    for (const item of state.items) tally[state.marks[item.student.id] || 'unmarked'] += 1;
    replace(counts, [...STATUSES, 'unmarked'].map((s) => h('span', { class: 'count' }, `${statusLabel(s)} ${tally[s]}`)));
  }

  function row(item) {
    const id = item.student.id;
    const name = pick(item.student, 'name');
    const status = state.marks[id] ?? null;
    let arrived = null;
    if (status === 'late' && state.arrivals[id]) {
      arrived = h('span', { class: 'arrived' }, t('roster.arrivedAt', { time: formatTime(state.arrivals[id]) }));
    } else if (!status && !readOnly) {
      // No button pressed yet: say so in words, so a missed student stands out.
      arrived = h('span', { class: 'unmarked' }, h('span', { 'aria-hidden': 'true' }, '— '), statusLabel(null));
    }
    const student = h('span', { class: 'student' },
      h('span', { class: 'student-name', id: `student-${id}` }, name),
      // Code and class (ม.1/3): how a teacher tells two students of the same name apart.
      item.student.code ? h('span', { class: 'student-code' }, [item.student.code, className(item.student.grade_level, item.student.homeroom)].filter(Boolean).join(' · ')) : null,
      arrived);
    if (readOnly) return h('li', { dataset: { studentId: String(id) } }, h('div', { class: 'mark-row' }, student, statusChip(status)));
    return h(
      'li',
      { dataset: { studentId: String(id) } },
      h('div', { class: 'mark-row mark-row-buttons' },
        student,
        h('div', { class: 'status-buttons', role: 'group', aria: { labelledby: `student-${id}` } },
          STATUSES.map((s) => statusButton(s, { pressed: s === status, onclick: () => tap(id, s) })))),
    );
  }

  function tap(id, status) {
    if (state.marks[id] !== status) {
      // A new mark drops the old arrival time; "late" during the session records now.
      delete state.arrivals[id];
      if (status === 'late' && duringSession()) state.arrivals[id] = new Date().toISOString();
    }
    state.marks[id] = status;
    stage();
    const li = list.querySelector(`li[data-student-id="${id}"]`);
    const fresh = row(state.items.find((i) => i.student.id === id));
    li.replaceWith(fresh);
    fresh.querySelector(`button[data-status="${status}"]`).focus();
    drawCounts();
    drawNotice();
  }

  function duringSession() {
    if (!state.session) return false;
    const now = Date.now();
    return now >= Date.parse(state.session.starts_at) && now <= Date.parse(state.session.ends_at) + SESSION_GRACE_MS;
  }

  function fillPresent() {
    for (const item of state.items) {
      if (!state.marks[item.student.id]) state.marks[item.student.id] = 'present';
    }
    stage();
    draw();
  }

  /** The roster as the page shows it, into the outbox at once (held until Save). */
  function stage() {
    if (dirty()) stageSave(sessionId, bodyOf(markedOnly(state.marks)));
    else unstage(sessionId);
  }

  function bodyOf(marks) {
    return {
      marks: Object.entries(marks).map(([id, status]) => markOf(id, status)),
      // An excused mark the teacher changed on purpose replaces the excuse; one set by the
      // office after this page loaded is kept (and reported).
      overwrite_excused: [...state.loadedExcused].some((id) => marks[id] && marks[id] !== 'excused'),
    };
  }

  function drawNotice(message) {
    const pending = pendingFor(sessionId);
    if (message) {
      replace(notice, message);
    } else if (pending) {
      replace(notice, h('p', { class: 'alert alert-pending' }, '↻ ', navigator.onLine ? t('roster.sending') : t('roster.offline')));
    } else if (dirty()) {
      replace(notice, h('p', { class: 'alert alert-info' }, '✎ ', t('roster.unsaved')));
    } else {
      replace(notice);
    }
  }

  function saveMarks() {
    showError(errors, null);
    const marks = markedOnly(state.marks);
    if (!Object.keys(marks).length) {
      showError(errors, t('roster.nothing'));
      return;
    }
    drawNotice(h('p', { class: 'alert alert-pending' }, '↻ ', t('roster.sending')));
    queueSave(sessionId, bodyOf(marks));
  }

  // The arrival time goes with a present or late mark (the API refuses it on the others);
  // sending the whole roster again keeps the times it already has.
  function markOf(id, status) {
    const mark = { student_id: Number(id), status };
    if ((status === 'late' || status === 'present') && state.arrivals[id]) mark.arrived_at = state.arrivals[id];
    return mark;
  }

  function onOutbox(event) {
    const { type, kind, sessionId: which, saved, error } = event.detail;
    if (kind === 'outcomes' || (which !== undefined && which !== sessionId)) return;
    if (!state.loaded) {
      // No roster on the page yet (offline at the start): the server has this session now.
      if (type === 'sent') load();
      return;
    }
    if (type === 'staged') return; // this page's own taps, already drawn
    if (type === 'sent') {
      applyServer(saved.items);
      if (!loadDraft(sessionId)) {
        state.marks = { ...state.saved };
        state.arrivals = arrivalsOf(saved.items);
      }
      draw();
      const kept = saved.kept_excused_student_ids || [];
      drawNotice(h('p', { class: 'alert alert-success' }, '✔ ', t('roster.saved', { time: formatTime(new Date().toISOString()) }),
        kept.length ? ` ${t('roster.keptExcused', { n: kept.length })}` : ''));
    } else if (type === 'waiting') {
      const key = error?.status === 401 ? 'roster.signInAgain' : 'roster.offline';
      drawNotice(h('p', { class: 'alert alert-pending' }, '↻ ', t(key)));
    } else if (type === 'rejected') {
      state.marks = { ...state.marks, ...(loadDraft(sessionId) || {}) };
      draw();
      replace(errors, errorBox(error));
    } else {
      drawNotice();
    }
  }

  function applyServer(items) {
    state.items = items;
    state.saved = Object.fromEntries(items.map((i) => [i.student.id, i.status]));
    state.loadedExcused = new Set(items.filter((i) => i.status === 'excused').map((i) => String(i.student.id)));
  }

  function arrivalsOf(items) {
    return Object.fromEntries(items.filter((i) => i.arrived_at).map((i) => [i.student.id, i.arrived_at]));
  }

  window.addEventListener('outbox', onOutbox);
  const controller = new AbortController();
  let offlineWait = null;
  let retryTimer = null;
  let retryDelay = 3000;

  function load() {
    replace(errors);
    return api(`/sessions/${sessionId}/attendance`, { signal: controller.signal })
      .then(async (roster) => {
        list.removeAttribute('aria-busy');
        replace(notice);
        toolbar.hidden = false;
        applyServer(roster.items);
        state.loaded = true;
        const pending = pendingFor(sessionId);
        const staged = stagedFor(sessionId);
        state.marks = {
          ...state.saved,
          ...(pending ? marksOf(pending.body) : {}),
          ...(staged ? marksOf(staged.body) : {}),
        };
        state.arrivals = {
          ...arrivalsOf(roster.items),
          ...(pending ? pendingArrivals(pending.body) : {}),
          ...(staged ? pendingArrivals(staged.body) : {}),
        };
        const s = roster.session;
        state.session = s;
        replace(subtitle, `${formatDate(s.starts_at)} · ${formatTime(s.starts_at)}–${formatTime(s.ends_at)}`);
        if (!state.items.length) replace(list, h('li', { class: 'empty' }, t('roster.empty')));
        else draw();
        if (pending) flush();
        try {
          const workshop = await api(`/workshops/${s.workshop_id}`, { signal: controller.signal });
          heading.textContent = `${t('roster.title')}: ${workshopTitle(workshop)}`;
          subtitle.append(` · ${workshop.room.code}`);
          subtitle.after(h('p', {}, h('a', { href: `#/workshops/${workshop.id}/outcomes`, class: 'outcomes-link' }, '✔ ', t('outcomes.open'))));
        } catch {
          // The title is a nicety; the roster works without it.
        }
      })
      .catch((error) => {
        if (error.name === 'AbortError') return;
        list.removeAttribute('aria-busy');
        toolbar.hidden = true;
        if (error instanceof NetworkError) {
          // Offline before the roster came: say so (marks waiting on this device are kept)
          // and load it as soon as the browser is back online.
          const waiting = pendingFor(sessionId) || stagedFor(sessionId);
          replace(notice, h('p', { class: 'alert alert-info' }, '⊘ ', t('roster.loadOffline'),
            waiting ? ` ${t('roster.loadOfflineKept')}` : ''));
          if (!offlineWait) {
            offlineWait = () => {
              window.removeEventListener('online', offlineWait);
              clearTimeout(retryTimer);
              offlineWait = null;
              list.setAttribute('aria-busy', 'true');
              load();
            };
            window.addEventListener('online', offlineWait);
          }
          // "Online" but the server out of reach (a school network without its uplink, or
          // the first moments after the network came back): try again on a timer as well.
          clearTimeout(retryTimer);
          if (navigator.onLine) {
            retryTimer = setTimeout(() => offlineWait?.(), retryDelay);
            retryDelay = Math.min(retryDelay * 2, 60000);
          }
          return;
        }
        showError(errors, error);
      });
  }

  load();

  return () => {
    controller.abort();
    window.removeEventListener('outbox', onOutbox);
    if (offlineWait) window.removeEventListener('online', offlineWait);
    clearTimeout(retryTimer);
  };
}

function markedOnly(marks) {
  return Object.fromEntries(Object.entries(marks).filter(([, status]) => status));
}

function pendingArrivals(body) {
  return Object.fromEntries(body.marks.filter((m) => m.arrived_at).map((m) => [m.student_id, m.arrived_at]));
}

const BACK_PREFIX = 'lms.rosterFrom.';

/**
 * Where "back" goes: the app page the teacher opened this roster from (kept for the tab, so a
 * reload still knows it), else today's sessions.
 */
function backTarget(sessionId, from) {
  const key = `${BACK_PREFIX}${sessionId}`;
  if (from && from.startsWith('#/') && !from.startsWith('#/signin') && !from.startsWith(`#/sessions/${sessionId}`)) {
    sessionStorage.setItem(key, from);
    return from;
  }
  return sessionStorage.getItem(key) || '#/today';
}
