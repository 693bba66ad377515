// A workshop's enrolled list and waitlist; enrol by searching a name or code; withdraw.
import { api, apiAll } from '../api.js';
import { field, h, replace } from '../dom.js';
import {
  formatDate, formatTime, getLang, pick, t, workshopTitle,
} from '../i18n.js';
import { showError } from '../problems.js';

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
      const [workshop, enrolled, waitlist] = await Promise.all([
        api(`/workshops/${selected}`, { signal }),
        api(`/workshops/${selected}/enrolments`, { query: { status: 'enrolled', limit: 500 }, signal }),
        api(`/workshops/${selected}/enrolments`, { query: { status: 'waitlisted', limit: 500 }, signal }),
      ]);
      drawWorkshop(workshop, enrolled.items, waitlist.items);
    } catch (error) {
      if (error.name === 'AbortError') return;
      replace(body);
      showError(errors, error);
    }
  }

  function drawWorkshop(workshop, enrolled, waitlist) {
    const onList = new Set([...enrolled, ...waitlist].map((e) => e.student.id));
    replace(
      body,
      h('p', { class: 'summary' }, t('enrol.seats', { taken: workshop.seats_taken, capacity: workshop.capacity, waiting: workshop.waitlisted })),
      h('p', {}, h('a', { href: `#/workshops/${workshop.id}/outcomes` }, '✔ ', t('outcomes.open'))),
      searchForm(onList),
      h('h2', { id: 'enrolled-heading' }, t('enrol.enrolled', { n: enrolled.length })),
      enrolled.length ? table('enrolled-heading', enrolled, false) : h('p', { class: 'empty' }, t('enrol.noneEnrolled')),
      h('h2', { id: 'waitlist-heading' }, t('enrol.waitlist', { n: waitlist.length })),
      waitlist.length ? table('waitlist-heading', waitlist, true) : h('p', { class: 'empty' }, t('enrol.noneWaiting')),
    );
  }

  function table(labelledBy, rows, waiting) {
    return h(
      'div', { class: 'table-wrap' },
      h(
        'table', { aria: { labelledby: labelledBy } },
        h('thead', {}, h('tr', {},
          waiting ? h('th', { scope: 'col' }, t('enrol.position')) : null,
          h('th', { scope: 'col' }, t('enrol.code')),
          h('th', { scope: 'col' }, t('enrol.name')),
          h('th', { scope: 'col' }, t('enrol.grade')),
          h('th', { scope: 'col' }, waiting ? t('enrol.requestedAt') : t('enrol.enrolledAt')),
          h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, t('enrol.actions'))))),
        h('tbody', {}, rows.map((e) => h('tr', { dataset: { enrolmentId: String(e.id) } },
          waiting ? h('td', {}, String(e.waitlist_position)) : null,
          h('td', {}, e.student.code),
          h('td', {}, h('a', { href: `#/students/${e.student.id}`, aria: { label: t('record.openWho', { name: pick(e.student, 'name') }) } }, pick(e.student, 'name'))),
          h('td', {}, e.student.grade_level),
          h('td', {}, stamp(waiting ? e.requested_at : e.enrolled_at)),
          h('td', {}, h('button', {
            type: 'button',
            class: 'secondary danger',
            onclick: () => withdraw(e),
            aria: { label: t('enrol.withdrawWho', { name: pick(e.student, 'name') }) },
          }, t('enrol.withdraw')))))),
      ),
    );
  }

  function searchForm(onList) {
    const input = h('input', { type: 'search', name: 'q', minlength: '1', maxlength: '100', autocomplete: 'off' });
    const results = h('div', { role: 'region', aria: { live: 'polite', label: t('enrol.results') } });
    const form = h(
      'form', { class: 'card search-form', role: 'search' },
      h('h2', {}, t('enrol.add')),
      h('div', { class: 'inline-form' },
        field(t('enrol.search'), input, { hint: t('enrol.searchHint') }),
        h('button', { type: 'submit', class: 'secondary' }, t('enrol.find'))),
      results,
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const q = input.value.trim();
      if (!q) return;
      replace(results, h('p', { class: 'loading' }, t('app.loading')));
      try {
        const found = await api('/students', { query: { q, status: 'active', limit: 20 }, signal });
        replace(results, found.items.length
          ? h('ul', { class: 'results' }, found.items.map((s) => resultRow(s, onList)))
          : h('p', { class: 'empty' }, t('enrol.noMatch')));
      } catch (error) {
        if (error.name !== 'AbortError') showError(results, error);
      }
    });
    return form;
  }

  function resultRow(student, onList) {
    const name = getLang() === 'en'
      ? `${student.first_name_en || student.first_name_th} ${student.last_name_en || student.last_name_th}`
      : `${student.first_name_th} ${student.last_name_th}`;
    return h('li', {},
      h('span', {}, `${student.student_code} · ${name} · ${student.grade_level}`),
      onList.has(student.id)
        ? h('span', { class: 'state state-done' }, '✔ ', t('enrol.already'))
        : h('button', {
          type: 'button', class: 'primary', onclick: () => enrol(student, name),
          aria: { label: t('enrol.enrolWho', { name }) },
        }, t('enrol.enrol')));
  }

  async function enrol(student, name) {
    showError(errors, null);
    try {
      const [enrolment] = await api(`/workshops/${selected}/enrolments`, { method: 'POST', body: { student_id: student.id } });
      const text = enrolment.status === 'waitlisted'
        ? t('enrol.waitlisted', { name, n: enrolment.waitlist_position })
        : t('enrol.done', { name });
      replace(message, h('p', { class: 'alert alert-success' }, '✔ ', text));
      await loadWorkshop();
    } catch (error) {
      showError(errors, error);
    }
  }

  async function withdraw(enrolment) {
    const name = pick(enrolment.student, 'name');
    if (!window.confirm(t('enrol.confirmWithdraw', { name }))) return;
    showError(errors, null);
    try {
      const result = await api(`/enrolments/${enrolment.id}/withdraw`, { method: 'POST' });
      const promoted = result.promoted ? ` ${t('enrol.promoted', { name: pick(result.promoted.student, 'name') })}` : '';
      replace(message, h('p', { class: 'alert alert-success' }, '✔ ', t('enrol.withdrawn', { name }), promoted));
      await loadWorkshop();
    } catch (error) {
      showError(errors, error);
    }
  }

  return () => controller.abort();
}

function stamp(iso) {
  return iso ? `${formatDate(iso, { weekday: false })} ${formatTime(iso)}` : '—';
}
