// A workshop's enrolled list and waitlist with a live capacity line; add students (one by
// one, many found by a search, a class, pasted codes: enrol-add.js); withdraw. An enrolment
// redraws the capacity line and the lists only, so the search and its results stay.
import { api, apiAll } from '../api.js';
import { field, h, replace } from '../dom.js';
import {
  className, formatDate, formatTime, pick, t, workshopTitle,
} from '../i18n.js';
import { showError } from '../problems.js';
import { addPanel } from './enrol-add.js';

const LIST_LIMIT = 500;

export function render(main, { query, user, navigate }) {
  document.title = `${t('enrol.title')} · ${t('app.name')}`;
  const selected = Number(query.get('workshop')) || null;
  const picker = h('select', { name: 'workshop' }, h('option', { value: '' }, t('app.loading')));
  const errors = h('div');
  const message = h('div', { role: 'status', aria: { live: 'polite' } });
  const body = h('div');
  main.append(
    h('h1', {}, t('enrol.title')),
    h('form', { class: 'inline-form', onsubmit: (e) => e.preventDefault() }, field(t('enrol.workshop'), picker)),
    errors, message, body,
  );
  picker.addEventListener('change', () => navigate(`#/enrolments?workshop=${picker.value}`));

  const controller = new AbortController();
  const signal = controller.signal;
  // The capacity line is a live region of its own: it is read out as seats fill.
  const capacity = h('p', { class: 'summary capacity', role: 'status', aria: { live: 'polite' } });
  const lists = h('div');
  const panel = addPanel({ enrol, signal });

  const filters = { status: 'scheduled', sort: 'first_starts_at' };
  if (user.role === 'teacher') filters.host_teacher = user.id;
  apiAll('/workshops', filters, { max: 1000 })
    .then((workshops) => {
      replace(
        picker,
        h('option', { value: '' }, workshops.length ? t('enrol.choose') : t('enrol.noWorkshops')),
        workshops.map((w) => h('option', { value: String(w.id), selected: w.id === selected },
          `${workshopTitle(w)} · ${w.room.code}${w.first_starts_at ? ` · ${formatDate(w.first_starts_at, { weekday: false })}` : ''}`)),
      );
      if (selected) loadWorkshop();
    })
    .catch((error) => showError(errors, error));

  async function loadWorkshop() {
    showError(errors, null);
    replace(body, h('p', { class: 'loading' }, t('app.loading')));
    try {
      await refresh();
      replace(
        body,
        capacity,
        h('p', {}, h('a', { href: `#/workshops/${selected}/outcomes`, class: 'outcomes-link' }, '✔ ', t('outcomes.open'))),
        panel.element,
        lists,
      );
    } catch (error) {
      if (error.name === 'AbortError') return;
      replace(body);
      showError(errors, error);
    }
  }

  /** The workshop's seats and lists as they are now; the add panel is left as it is. */
  async function refresh() {
    const [workshop, enrolled, waitlist] = await Promise.all([
      api(`/workshops/${selected}`, { signal }),
      api(`/workshops/${selected}/enrolments`, { query: { status: 'enrolled', limit: LIST_LIMIT }, signal }),
      api(`/workshops/${selected}/enrolments`, { query: { status: 'waitlisted', limit: LIST_LIMIT }, signal }),
    ]);
    const full = workshop.seats_taken >= workshop.capacity;
    capacity.classList.toggle('is-full', full);
    replace(
      capacity,
      t('enrol.capacity', { taken: workshop.seats_taken, capacity: workshop.capacity, waiting: workshop.waitlisted }),
      full ? ` · ${t('enrol.full')}` : '',
    );
    replace(
      lists,
      h('h2', { id: 'enrolled-heading' }, t('enrol.enrolled', { n: enrolled.total })),
      enrolled.items.length ? table('enrolled-heading', enrolled.items, false) : h('p', { class: 'empty' }, t('enrol.noneEnrolled')),
      h('h2', { id: 'waitlist-heading' }, t('enrol.waitlist', { n: waitlist.total })),
      waitlist.items.length ? table('waitlist-heading', waitlist.items, true) : h('p', { class: 'empty' }, t('enrol.noneWaiting')),
    );
    panel.update(new Set([...enrolled.items, ...waitlist.items].map((e) => e.student.id)));
  }

  // Three columns at most, so a phone shows the withdraw button without scrolling: the
  // student's code, grade and time go under their name.
  function table(labelledBy, rows, waiting) {
    return h(
      'table', { class: 'enrol-list', aria: { labelledby: labelledBy } },
      h('thead', {}, h('tr', {},
        waiting ? h('th', { scope: 'col' }, t('enrol.position')) : null,
        h('th', { scope: 'col' }, t('enrol.student')),
        h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, t('enrol.actions'))))),
      h('tbody', {}, rows.map((e) => h('tr', { dataset: { enrolmentId: String(e.id) } },
        waiting ? h('td', { class: 'enrol-position' }, String(e.waitlist_position)) : null,
        h('td', { class: 'enrol-student' },
          h('a', { href: `#/students/${e.student.id}`, aria: { label: t('record.openWho', { name: pick(e.student, 'name') }) } }, pick(e.student, 'name')),
          h('span', { class: 'enrol-meta' },
            [e.student.code, className(e.student.grade_level, e.student.homeroom), waiting ? `${t('enrol.requestedAt')} ${stamp(e.requested_at)}` : stamp(e.enrolled_at)]
              .filter(Boolean).join(' · '))),
        h('td', { class: 'enrol-action' }, h('button', {
          type: 'button',
          class: 'secondary danger small',
          onclick: () => withdraw(e),
          aria: { label: t('enrol.withdrawWho', { name: pick(e.student, 'name') }) },
        }, t('enrol.withdraw')))))),
    );
  }

  /** POST an enrolment request, say what it did, redraw; the API's error is thrown on. */
  async function enrol(request) {
    showError(errors, null);
    replace(message);
    const results = await api(`/workshops/${selected}/enrolments`, { method: 'POST', body: request });
    const text = summary(results);
    replace(message, h('p', { class: 'alert alert-success' }, '✔ ', text));
    await refresh();
    return results;
  }

  async function withdraw(enrolment) {
    const name = pick(enrolment.student, 'name');
    if (!window.confirm(t('enrol.confirmWithdraw', { name }))) return;
    showError(errors, null);
    try {
      const result = await api(`/enrolments/${enrolment.id}/withdraw`, { method: 'POST' });
      const promoted = result.promoted ? ` ${t('enrol.promoted', { name: pick(result.promoted.student, 'name') })}` : '';
      replace(message, h('p', { class: 'alert alert-success' }, '✔ ', t('enrol.withdrawn', { name }), promoted));
      await refresh();
    } catch (error) {
      showError(errors, error);
    }
  }

  return () => controller.abort();
}

/** What a request did, in words: one student by name, a batch by counts. */
function summary(results) {
  if (results.length === 1) {
    const [only] = results;
    const name = pick(only.student, 'name');
    if (only.outcome === 'unchanged') return t('enrol.alreadyWho', { name });
    return only.status === 'waitlisted'
      ? t('enrol.waitlisted', { name, n: only.waitlist_position })
      : t('enrol.done', { name });
  }
  const count = (outcome) => results.filter((r) => r.outcome === outcome).length;
  return [
    ['enrolled', 'enrol.batchEnrolled'],
    ['waitlisted', 'enrol.batchWaitlisted'],
    ['unchanged', 'enrol.batchUnchanged'],
  ]
    .filter(([outcome]) => count(outcome) > 0)
    .map(([outcome, key]) => t(key, { n: count(outcome) }))
    .join(' · ');
}

function stamp(iso) {
  return iso ? `${formatDate(iso, { weekday: false })} ${formatTime(iso)}` : '';
}
