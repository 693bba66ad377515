// Plan a workshop with its sessions. A room or creator clash comes back as a 409 whose
// `errors[].pointer` names the session; the API's message (naming the workshop in the way)
// is shown next to that session's fields.
import { api, apiAll } from '../api.js';
import { dateField, timeField } from '../datetime.js';
import { field, h, replace, setFlash, uid } from '../dom.js';
import {
  bangkokToday, localise, mondayOf, pick, t, workshopTitle,
} from '../i18n.js';
import {
  clearFieldErrors, describe, focusFirstInvalid, showError, showFieldErrors,
} from '../problems.js';

export function render(main, { query, user, navigate }) {
  document.title = `${t('plan.title')} · ${t('app.name')}`;
  const controller = new AbortController();
  const signal = controller.signal;
  const presetRoom = Number(query.get('room')) || null;

  const room = h('select', { name: 'room_id', required: true });
  const moduleCode = h('input', { name: 'module_code', required: true, list: 'module-codes', autocomplete: 'off', maxlength: '40' });
  const modules = h('datalist', { id: 'module-codes' });
  const creator = h('select', { name: 'creator_id', required: true });
  const host = h('select', { name: 'host_teacher_id', required: true });
  const term = h('select', { name: 'term_id', required: true });
  const capacity = h('input', { name: 'capacity', type: 'number', min: '1', max: '1000', inputmode: 'numeric' });
  const titleTh = h('input', { name: 'title_th', maxlength: '300' });
  const titleEn = h('input', { name: 'title_en', maxlength: '300', lang: 'en' });
  const notes = h('textarea', { name: 'notes', rows: '3', maxlength: '5000' });
  const openToAll = h('input', { type: 'checkbox', name: 'open_to_all_schools', id: uid('open') });
  const sessions = h('ol', { class: 'session-rows' });
  const errors = h('div', { class: 'form-errors' });
  const submit = h('button', { type: 'submit', class: 'primary' }, t('plan.submit'));

  const form = h(
    'form', { class: 'card', novalidate: true },
    h('fieldset', {},
      h('legend', {}, t('plan.what')),
      field(t('plan.module'), moduleCode, { pointer: '/body/module_code', hint: t('plan.moduleHint') }), modules,
      field(t('plan.titleTh'), titleTh, { pointer: '/body/title_th', hint: t('plan.titleHint') }),
      field(t('plan.titleEn'), titleEn, { pointer: '/body/title_en' }),
      field(t('plan.creator'), creator, { pointer: '/body/creator_id' })),
    h('fieldset', {},
      h('legend', {}, t('plan.where')),
      field(t('plan.room'), room, { pointer: '/body/room_id' }),
      field(t('plan.host'), host, { pointer: '/body/host_teacher_id' }),
      field(t('plan.term'), term, { pointer: '/body/term_id' }),
      field(t('plan.capacity'), capacity, { pointer: '/body/capacity', hint: t('plan.capacityHint') }),
      h('div', { class: 'field checkbox', dataset: { pointer: '/body/open_to_all_schools' } },
        openToAll, h('label', { for: openToAll.id }, t('plan.openToAll')),
        h('p', { class: 'field-error', id: `${openToAll.id}-error`, hidden: true, role: 'alert' }))),
    h('fieldset', { dataset: { pointer: '/body/sessions' } },
      h('legend', {}, t('plan.sessions')),
      h('p', { class: 'field-error', id: 'sessions-error', hidden: true, role: 'alert' }),
      sessions,
      h('button', { type: 'button', class: 'secondary', onclick: () => addSession() }, '+ ', t('plan.addSession'))),
    field(t('plan.notes'), notes, { pointer: '/body/notes' }),
    errors,
    h('div', { class: 'actions' }, submit, h('a', { href: '#/rooms', class: 'button secondary' }, t('plan.cancel'))),
  );
  main.append(h('p', {}, h('a', { href: '#/rooms', class: 'back' }, '‹ ', t('rooms.title'))), h('h1', {}, t('plan.title')), form);

  let roomsById = {};
  // The typed date and time fields of each session row, by row element.
  const rowFields = new WeakMap();
  function addSession(values = {}) {
    const index = sessions.children.length;
    const date = dateField(t('plan.date'), { name: `session-${index}-date`, required: true, value: values.date || '' });
    const starts = timeField(t('plan.start'), { name: `session-${index}-start`, required: true, value: values.start || '09:00' });
    const ends = timeField(t('plan.end'), { name: `session-${index}-end`, required: true, value: values.end || '10:00' });
    const errorId = uid('session-error');
    const rowEl = h(
      'li', { class: 'session-row', dataset: { pointer: `/body/sessions/${index}` } },
      h('fieldset', {},
        h('legend', {}, t('plan.session', { n: index + 1 })),
        h('div', { class: 'inline-form session-fields' },
          date.wrapper, starts.wrapper, ends.wrapper,
          h('button', {
            type: 'button', class: 'secondary', onclick: () => removeSession(rowEl),
            aria: { label: t('plan.removeSession', { n: index + 1 }) },
          }, '✕ ', t('plan.remove')))),
      // The row's own box (a direct child: problems.showFieldErrors fills it for
      // /body/sessions/<i>); each field keeps its box for a mistyped date or time.
      h('p', { class: 'field-error', id: errorId, hidden: true, role: 'alert' }),
    );
    rowFields.set(rowEl, { date, starts, ends });
    sessions.append(rowEl);
    if (!values.date) date.input.focus();
  }

  function removeSession(rowEl) {
    if (sessions.children.length === 1) return;
    rowEl.remove();
    [...sessions.children].forEach((li, i) => {
      li.dataset.pointer = `/body/sessions/${i}`;
      li.querySelector('legend').textContent = t('plan.session', { n: i + 1 });
    });
  }

  async function loadHosts() {
    const chosen = roomsById[room.value];
    const staff = await apiAll('/users', chosen ? { school: chosen.school_id } : {});
    const hosts = staff.filter((u) => (u.role === 'teacher' || u.role === 'school_admin') && u.is_active);
    // Keep the host already chosen when they can still host in the newly chosen room.
    const keep = Number(host.value) || null;
    replace(host, h('option', { value: '' }, t('plan.choose')),
      hosts.map((u) => h('option', { value: String(u.id), selected: u.id === keep }, `${pick(u, 'full_name')} (${u.username})`)));
  }

  room.addEventListener('change', () => loadHosts().catch((error) => showError(errors, error)));

  Promise.all([
    apiAll('/rooms', { status: 'active', sort: 'code' }),
    apiAll('/creators', {}),
    apiAll('/terms', {}),
    api('/terms/current', { signal }).catch(() => null),
    apiAll('/courses', {}).catch(() => []),
  ])
    .then(async ([rooms, creators, terms, current, courses]) => {
      roomsById = Object.fromEntries(rooms.map((r) => [String(r.id), r]));
      replace(room, h('option', { value: '' }, t('plan.choose')),
        rooms.map((r) => h('option', { value: String(r.id), selected: r.id === presetRoom }, `${r.code} · ${r.name} (${t('rooms.seats', { n: r.seats })})`)));
      replace(creator, h('option', { value: '' }, t('plan.choose')),
        creators.filter((c) => c.is_active).map((c) => h('option', { value: String(c.id) }, `${c.display_name} (@${c.handle})`)));
      replace(term, h('option', { value: '' }, t('plan.choose')),
        terms.map((x) => h('option', { value: String(x.id), selected: current && x.id === current.id }, pick(x, 'label'))));
      replace(modules, courses.flatMap((c) => (c.modules || []).map((m) => h('option', { value: m.code }, pick(m, 'title')))));
      await loadHosts();
    })
    .catch((error) => showError(errors, error));
  addSession({ date: bangkokToday() });

  function collect() {
    const problems = [];
    let mistyped = false;
    const need = (control, pointer) => {
      if (!control.value.trim()) problems.push({ pointer, message: t('plan.required') });
    };
    need(moduleCode, '/body/module_code');
    need(creator, '/body/creator_id');
    need(room, '/body/room_id');
    need(host, '/body/host_teacher_id');
    need(term, '/body/term_id');
    const slots = [...sessions.children].map((li, i) => {
      const { date, starts: start, ends: end } = rowFields.get(li);
      // Each field says its own mistake (31/02, 25:00) under itself.
      const typed = [date.check(), start.check(), end.check()].every(Boolean);
      if (!typed) {
        mistyped = true;
      } else if (!date.value || !start.value || !end.value) {
        problems.push({ pointer: `/body/sessions/${i}`, message: t('plan.sessionIncomplete') });
      } else if (start.value >= end.value) {
        problems.push({ pointer: `/body/sessions/${i}`, message: t('plan.startBeforeEnd') });
      }
      // Bangkok wall-clock time, whatever the device's time zone.
      return { starts_at: `${date.value}T${start.value}:00+07:00`, ends_at: `${date.value}T${end.value}:00+07:00` };
    });
    const body = {
      module_code: moduleCode.value.trim(),
      creator_id: Number(creator.value),
      room_id: Number(room.value),
      host_teacher_id: Number(host.value),
      term_id: Number(term.value),
      notes: notes.value,
      open_to_all_schools: openToAll.checked,
      sessions: slots,
    };
    if (capacity.value) body.capacity = Number(capacity.value);
    if (titleTh.value.trim()) body.title_th = titleTh.value.trim();
    if (titleEn.value.trim()) body.title_en = titleEn.value.trim();
    return { body, problems, mistyped };
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    showError(errors, null);
    const { body, problems, mistyped } = collect();
    if (problems.length || mistyped) {
      showFieldErrors(form, problems);
      focusFirstInvalid(form);
      showError(errors, t('plan.fix'));
      return;
    }
    submit.disabled = true;
    try {
      const workshop = await api('/workshops', { method: 'POST', body, signal });
      setFlash(t('plan.created', { title: workshopTitle(workshop), n: workshop.sessions.length }));
      const first = workshop.sessions[0]?.starts_at?.slice(0, 10) || bangkokToday();
      navigate(`#/rooms?room=${workshop.room.id}&week=${mondayOf(first)}`);
    } catch (error) {
      if (error.name === 'AbortError') return;
      const { fields } = describe(error);
      const clash = error.problem?.clash;
      // A clash: the API's own sentence (it names the workshop in the way) goes next to the
      // session it hit; other field errors carry their own message.
      const message = (f) => (clash ? localise(error.problem.detail) : f.message);
      const unplaced = showFieldErrors(form, fields, message);
      showError(errors, clash || fields.length ? summaryError(error, unplaced, !clash) : error);
    } finally {
      submit.disabled = false;
    }
  });

  return () => controller.abort();
}

/**
 * The box above the buttons: the error's title, its detail unless the fields say it already
 * (a clash's sentence is next to its session), and "see the marked fields".
 */
function summaryError(error, unplaced, withDetail) {
  const { title, detail } = describe(error);
  // Messages no field took, without the API's field paths (they are for programs).
  const rest = unplaced.map((f) => f.message).filter(Boolean).join(' · ');
  const said = withDetail && detail && detail !== t('error.422.detail') ? ` ${detail}.` : '';
  return `${title}:${said} ${t('plan.seeFields')}${rest ? ` ${rest}` : ''}`;
}
