// A workshop's learning outcomes: one row per student, one toggle per outcome (achieved → not
// yet → …), "all achieved" per student and for the roster, one Save that sends every changed
// pair in one PUT through the outbox (kept until the server has it, like attendance). The
// last roster read is kept for the tab (sessionStorage), so a reload while offline still
// shows the roster with the marks waiting to be sent. After the last session the host
// closes the workshop (outcomes-close.js).
import { api, NetworkError } from '../api.js';
import { can } from '../auth.js';
import { h, replace } from '../dom.js';
import { formatTime, getLang, pick, t, workshopTitle } from '../i18n.js';
import {
  assessmentsOf, clearOutcomesDraft, flush, loadOutcomesDraft, pendingOutcomesFor,
  queueOutcomes, saveOutcomesDraft,
} from '../outbox.js';
import { errorBox, showError } from '../problems.js';
import { closeSection, completionCell } from './outcomes-close.js';

const COPY_PREFIX = 'lms.copy.v1.outcomes.';
const SYMBOLS = { achieved: '✔', not_yet: '○', unassessed: '—' };

export function outcomeChip(status) {
  const key = status || 'unassessed';
  return h(
    'span',
    { class: `status-chip status-${key}`, dataset: { status: key } },
    h('span', { class: 'status-symbol', 'aria-hidden': 'true' }, SYMBOLS[key]),
    h('span', { class: 'status-text' }, t(`outcome.${key}`)),
  );
}

/** The next value of a toggle; back to "unassessed" only while the server has none. */
function nextOutcome(status, savedStatus) {
  if (!status) return 'achieved';
  if (status === 'achieved') return 'not_yet';
  return savedStatus ? 'achieved' : null;
}

const pairKey = (studentId, code) => `${studentId}|${code}`;

export function render(main, { params, user }) {
  const workshopId = Number(params.workshopId);
  document.title = `${t('outcomes.title')} · ${t('app.name')}`;
  const state = {
    roster: null, // the server's answer (GET or PUT)
    workshop: null, // GET /workshops/{id}, for the title, host and last session
    saved: {}, // pair -> {status, note} as the server has it
    marks: {}, // pair -> status as the page shows it
    readOnly: !can(user, 'mark'),
    fromCopy: null, // when the roster shown is the tab's copy (offline)
  };

  const heading = h('h1', {}, t('outcomes.title'));
  const subtitle = h('p', { class: 'subtitle' });
  const copyNote = h('div');
  const notice = h('div', { class: 'sync-notice', role: 'status', aria: { live: 'polite' } });
  const errors = h('div');
  const counts = h('p', { class: 'counts', aria: { live: 'polite' } });
  const body = h('div', { class: 'table-wrap', aria: { busy: 'true' } }, h('p', { class: 'loading' }, t('app.loading')));
  const hint = h('p', { id: 'outcomes-hint', class: 'hint' }, t('outcomes.hint'));
  const allButton = h('button', { type: 'button', class: 'secondary', onclick: fillAll }, '✔ ', t('outcomes.allAchieved'));
  const save = h('button', { type: 'button', class: 'primary', onclick: saveMarks }, t('outcomes.save'));
  const toolbar = h('div', { class: 'actions sticky-actions', hidden: true }, allButton, save);
  const closing = h('section', { aria: { labelledby: 'close-heading' }, hidden: true });
  let closingDrawn = null; // what the closing section was drawn for (status), redrawn on change
  let refreshClosing = () => {};

  main.append(
    h('p', {}, h('a', { href: '#/today', class: 'back' }, '‹ ', t('roster.back'))),
    heading, subtitle, hint, copyNote, notice, errors, counts, body, toolbar, closing,
  );

  const outcomes = () => state.roster?.workshop.outcomes || [];
  const items = () => state.roster?.items || [];
  const assessable = () => !state.readOnly && state.roster?.workshop.status !== 'cancelled'
    && items().every((i) => Array.isArray(i.assessments));

  /** Pairs whose shown mark differs from what is saved or already waiting to be sent. */
  function unsaved() {
    const waiting = pendingOutcomesFor(workshopId);
    const sent = waiting ? assessmentsOf(waiting.body) : {};
    return Object.keys(state.marks).filter((k) => state.marks[k]
      && state.marks[k] !== (sent[k] ?? state.saved[k]?.status ?? null));
  }

  function keepDraft() {
    const changed = unsaved();
    if (changed.length) saveOutcomesDraft(workshopId, Object.fromEntries(changed.map((k) => [k, state.marks[k]])));
    else clearOutcomesDraft(workshopId);
  }

  function applyServer(roster, { keepCopy = true } = {}) {
    state.roster = roster;
    state.saved = {};
    for (const item of roster.items) {
      for (const a of item.assessments || []) {
        state.saved[pairKey(item.student.id, a.outcome_code)] = { status: a.status, note: a.note || '' };
      }
    }
    if (!keepCopy) return;
    try {
      sessionStorage.setItem(COPY_PREFIX + workshopId, JSON.stringify({
        roster, workshop: state.workshop, at: new Date().toISOString(),
      }));
    } catch {
      // A full storage only costs the offline copy.
    }
  }

  function showMarks() {
    const waiting = pendingOutcomesFor(workshopId);
    state.marks = {
      ...Object.fromEntries(Object.entries(state.saved).map(([k, v]) => [k, v.status])),
      ...(waiting ? assessmentsOf(waiting.body) : {}),
      ...(loadOutcomesDraft(workshopId) || {}),
    };
  }

  function draw() {
    body.removeAttribute('aria-busy');
    if (!items().length) {
      replace(body, h('p', { class: 'empty' }, t('roster.empty')));
      toolbar.hidden = true;
    } else {
      replace(body, table());
      toolbar.hidden = !assessable();
    }
    hint.textContent = assessable() ? t('outcomes.hint') : t('roster.readOnly');
    drawCounts();
    drawNotice();
    drawClosing();
  }

  function table() {
    const closed = items().some((i) => i.completion);
    return h(
      'table', { class: 'outcomes-table', aria: { describedby: 'outcomes-hint' } },
      h('caption', {}, t('outcomes.caption', { n: items().length, m: outcomes().length })),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, t('enrol.name')),
        outcomes().map((o) => h('th', { scope: 'col', class: 'outcome-head', title: `${o.code}: ${o.title_th} / ${o.title_en}` },
          h('span', { class: 'outcome-code' }, o.code),
          h('span', { class: 'outcome-title', lang: getLang() }, pick(o, 'title')))),
        h('th', { scope: 'col' }, t('outcomes.achievedCount')),
        closed ? h('th', { scope: 'col' }, t('outcomes.completion')) : null)),
      h('tbody', {}, items().map((item) => row(item, closed))),
    );
  }

  function row(item, closed) {
    const id = item.student.id;
    const name = pick(item.student, 'name');
    const achieved = outcomes().filter((o) => state.marks[pairKey(id, o.code)] === 'achieved').length;
    return h('tr', { dataset: { studentId: String(id) } },
      h('th', { scope: 'row' },
        h('span', { class: 'student' },
          h('a', { href: `#/students/${id}`, class: 'student-name' }, name),
          item.student.code ? h('span', { class: 'student-code' }, item.student.code) : null),
        assessable()
          ? h('button', {
            type: 'button', class: 'secondary small', onclick: () => fillStudent(id),
            aria: { label: t('outcomes.allAchievedWho', { name }) },
          }, '✔ ', t('outcomes.allAchievedShort'))
          : null),
      outcomes().map((o) => h('td', { class: 'outcome-cell' }, cell(item, o, name))),
      h('td', { class: 'achieved-count' }, `${achieved}/${outcomes().length}`),
      closed ? h('td', {}, completionCell(item.completion)) : null);
  }

  function cell(item, outcome, name) {
    if (!Array.isArray(item.assessments)) return h('span', { class: 'hint' }, '—');
    const key = pairKey(item.student.id, outcome.code);
    const status = state.marks[key] ?? null;
    const waiting = pendingOutcomesFor(workshopId);
    const pending = waiting && assessmentsOf(waiting.body)[key] === status && status !== (state.saved[key]?.status ?? null);
    const draft = !pending && status && status !== (state.saved[key]?.status ?? null);
    const marker = pending ? h('span', { class: 'cell-state' }, '↻ ', t('outcomes.cellPending'))
      : draft ? h('span', { class: 'cell-state' }, '✎ ', t('outcomes.cellUnsaved')) : null;
    const label = t('outcomes.toggleLabel', {
      name, code: outcome.code, title: pick(outcome, 'title'), status: t(`outcome.${status || 'unassessed'}`),
    }) + (pending ? ` (${t('outcomes.cellPending')})` : draft ? ` (${t('outcomes.cellUnsaved')})` : '');
    if (!assessable()) return h('span', { aria: { label } }, outcomeChip(status));
    return h('button', {
      type: 'button', class: `outcome-toggle${pending ? ' is-pending' : ''}${draft ? ' is-draft' : ''}`,
      dataset: { pair: key }, aria: { label }, onclick: () => tap(item.student.id, outcome.code),
    }, outcomeChip(status), marker);
  }

  function tap(studentId, code) {
    const key = pairKey(studentId, code);
    state.marks[key] = nextOutcome(state.marks[key], state.saved[key]?.status);
    keepDraft();
    redrawRow(studentId, `[data-pair="${CSS.escape(key)}"]`);
  }

  function redrawRow(studentId, focusSelector) {
    const tr = body.querySelector(`tr[data-student-id="${studentId}"]`);
    const closed = items().some((i) => i.completion);
    const fresh = row(items().find((i) => i.student.id === studentId), closed);
    tr.replaceWith(fresh);
    fresh.querySelector(focusSelector)?.focus();
    drawCounts();
    drawNotice();
  }

  function fillStudent(studentId) {
    for (const o of outcomes()) state.marks[pairKey(studentId, o.code)] = 'achieved';
    keepDraft();
    redrawRow(studentId, 'th button');
  }

  function fillAll() {
    // Like "all present": fills what is not assessed yet; a "not yet" the teacher chose stays.
    for (const item of items()) {
      for (const o of outcomes()) {
        const key = pairKey(item.student.id, o.code);
        if (!state.marks[key]) state.marks[key] = 'achieved';
      }
    }
    keepDraft();
    draw();
  }

  function drawCounts() {
    if (!assessable() && !items().some((i) => Array.isArray(i.assessments))) {
      replace(counts);
      return;
    }
    const tally = { achieved: 0, not_yet: 0, unassessed: 0 };
    for (const item of items()) {
      for (const o of outcomes()) tally[state.marks[pairKey(item.student.id, o.code)] || 'unassessed'] += 1;
    }
    replace(counts, ['achieved', 'not_yet', 'unassessed'].map((s) => h('span', { class: 'count' }, `${t(`outcome.${s}`)} ${tally[s]}`)));
  }

  function drawNotice(message) {
    refreshClosing();
    const waiting = pendingOutcomesFor(workshopId);
    if (message) replace(notice, message);
    else if (waiting) replace(notice, h('p', { class: 'alert alert-pending' }, '↻ ', navigator.onLine ? t('roster.sending') : t('roster.offline')));
    else if (unsaved().length) replace(notice, h('p', { class: 'alert alert-info' }, '✎ ', t('outcomes.unsaved', { n: unsaved().length })));
    else replace(notice);
  }

  function drawClosing() {
    const drawn = `${state.roster?.workshop.status}|${Boolean(state.workshop)}`;
    if (drawn === closingDrawn) {
      refreshClosing();
      return;
    }
    closingDrawn = drawn;
    refreshClosing = closeSection(closing, {
      user,
      workshop: state.workshop,
      roster: state.roster,
      busy: () => Boolean(unsaved().length || pendingOutcomesFor(workshopId)),
      onClosed: (result) => {
        applyServer(result);
        showMarks();
        draw();
      },
    });
  }

  function saveMarks() {
    showError(errors, null);
    const changed = unsaved();
    if (!changed.length) {
      if (pendingOutcomesFor(workshopId)) flush();
      else drawNotice(h('p', { class: 'alert alert-info' }, 'ℹ ', t('outcomes.nothing')));
      return;
    }
    const assessments = changed.map((key) => {
      const [studentId, code] = key.split('|');
      // The note goes back unchanged: the API stores what it is sent, and an omitted note is
      // an empty one.
      return { student_id: Number(studentId), outcome_code: code, status: state.marks[key], note: state.saved[key]?.note || '' };
    });
    clearOutcomesDraft(workshopId);
    drawNotice(h('p', { class: 'alert alert-pending' }, '↻ ', t('roster.sending')));
    queueOutcomes(workshopId, { assessments });
    draw();
  }

  function onOutbox(event) {
    const { type, kind, workshopId: which, saved, error } = event.detail;
    if (kind !== undefined && (kind !== 'outcomes' || which !== workshopId)) return;
    if (type === 'sent') {
      state.fromCopy = null;
      replace(copyNote);
      applyServer(saved);
      showMarks();
      draw();
      drawNotice(h('p', { class: 'alert alert-success' }, '✔ ',
        t('roster.saved', { time: formatTime(new Date().toISOString()) }), ' ', t('outcomes.changed', { n: saved.changed })));
    } else if (type === 'waiting') {
      drawNotice(h('p', { class: 'alert alert-pending' }, '↻ ', t(error?.status === 401 ? 'roster.signInAgain' : 'roster.offline')));
    } else if (type === 'rejected') {
      showMarks();
      draw();
      replace(errors, errorBox(error, { labels: fieldLabels(event.detail.body) }));
    } else if (state.roster) {
      draw();
    }
  }

  /** "assessments[3].outcome_code" → "Student name · CODE". */
  function fieldLabels(sent) {
    const labels = {};
    (sent?.assessments || []).forEach((a, i) => {
      const item = items().find((x) => x.student.id === a.student_id);
      const who = item ? pick(item.student, 'name') : `#${a.student_id}`;
      labels[`assessments[${i}].outcome_code`] = `${who} · ${a.outcome_code}`;
      labels[`assessments[${i}].student_id`] = who;
    });
    return labels;
  }

  function showTitle() {
    const w = state.workshop;
    if (!w) return;
    heading.textContent = `${t('outcomes.title')}: ${workshopTitle(w)}`;
    const m = state.roster?.workshop.module;
    replace(subtitle, [m ? `${m.code} v${m.version} · ${pick(m, 'title')}` : null, w.room?.code].filter(Boolean).join(' · '));
  }

  window.addEventListener('outbox', onOutbox);
  const controller = new AbortController();
  const signal = controller.signal;
  Promise.all([
    api(`/workshops/${workshopId}/outcomes`, { signal }),
    api(`/workshops/${workshopId}`, { signal }).catch((error) => (error.name === 'AbortError' ? Promise.reject(error) : null)),
  ])
    .then(([roster, workshop]) => {
      state.workshop = workshop;
      applyServer(roster);
      start();
      if (pendingOutcomesFor(workshopId)) flush();
    })
    .catch((error) => {
      if (error.name === 'AbortError') return;
      const copy = error instanceof NetworkError ? readCopy(workshopId) : null;
      if (copy) {
        // Offline: the tab's last copy, so the teacher still sees (and adds to) the marks
        // waiting to be sent.
        state.workshop = copy.workshop;
        applyServer(copy.roster, { keepCopy: false });
        state.fromCopy = copy.at;
        replace(copyNote, h('p', { class: 'alert alert-info' }, '⊘ ', t('outcomes.fromCopy', { time: formatTime(copy.at) })));
        start();
        return;
      }
      body.removeAttribute('aria-busy');
      replace(body);
      showError(errors, error);
    });

  function start() {
    showMarks();
    showTitle();
    draw();
  }

  return () => {
    controller.abort();
    window.removeEventListener('outbox', onOutbox);
  };
}

function readCopy(workshopId) {
  try {
    return JSON.parse(sessionStorage.getItem(COPY_PREFIX + workshopId) || 'null');
  } catch {
    return null;
  }
}
