// Attendance export: filters and a format, then the file is fetched with the bearer token and
// handed to the browser as a download (Blob + object URL + <a download>).
import { apiAll } from '../api.js';
import { dateField } from '../datetime.js';
import { field, h, replace } from '../dom.js';
import { downloadFile } from '../download.js';
import {
  formatNumber, getLang, pick, t,
} from '../i18n.js';
import {
  clearFieldErrors, describe, focusFirstInvalid, showError, showFieldErrors,
} from '../problems.js';

const FORMATS = ['csv', 'xlsx', 'jsonl'];

export function render(main, { user }) {
  document.title = `${t('export.title')} · ${t('app.name')}`;
  const ownSchool = user.role === 'school_admin';
  const from = dateField(t('export.from'), { name: 'from', pointer: '/query/from' });
  const to = dateField(t('export.to'), { name: 'to', pointer: '/query/to' });
  const term = h('select', { name: 'term' }, h('option', { value: '' }, t('export.any')));
  const district = h('select', { name: 'district' }, h('option', { value: '' }, t('export.any')));
  const school = h('select', { name: 'school' }, h('option', { value: '' }, t('export.any')));
  const room = h('input', { name: 'room', maxlength: '40', autocomplete: 'off' });
  const workshop = h('input', { name: 'workshop', type: 'number', min: '1', inputmode: 'numeric' });
  const course = h('input', { name: 'course', maxlength: '40', autocomplete: 'off' });
  const status = h('select', { name: 'status' }, h('option', { value: '' }, t('export.any')),
    ['present', 'late', 'excused', 'absent'].map((s) => h('option', { value: s }, t(`status.${s}`))));
  const calendar = h('select', { name: 'calendar' },
    h('option', { value: 'gregorian' }, t('export.gregorian')),
    h('option', { value: 'buddhist' }, t('export.buddhist')));
  const formatRadios = FORMATS.map((format, i) => {
    const input = h('input', { type: 'radio', name: 'format', value: format, id: `format-${format}`, checked: i === 0 });
    return h('div', { class: 'radio' }, input, h('label', { for: input.id }, t(`export.format.${format}`)));
  });
  const errors = h('div', { class: 'form-errors' });
  const result = h('div', { role: 'status', aria: { live: 'polite' } });
  const submit = h('button', { type: 'submit', class: 'primary' }, '↓ ', t('export.download'));

  const form = h(
    'form', { class: 'card', novalidate: true },
    h('fieldset', {}, h('legend', {}, t('export.when')),
      h('div', { class: 'inline-form' },
        from.wrapper,
        to.wrapper,
        field(t('export.term'), term, { pointer: '/query/term' }))),
    h('fieldset', {}, h('legend', {}, t('export.where')),
      h('div', { class: 'inline-form' },
        ownSchool ? null : field(t('export.district'), district, { pointer: '/query/district' }),
        ownSchool ? null : field(t('export.school'), school, { pointer: '/query/school' }),
        field(t('export.room'), room, { pointer: '/query/room', hint: t('export.roomHint') }),
        field(t('export.workshop'), workshop, { pointer: '/query/workshop' }),
        field(t('export.course'), course, { pointer: '/query/course', hint: t('export.courseHint') }),
        field(t('export.status'), status, { pointer: '/query/status' }))),
    h('fieldset', { class: 'radios', dataset: { pointer: '/query/format' } },
      h('legend', {}, t('export.format')), formatRadios),
    field(t('export.calendar'), calendar, { pointer: '/query/calendar' }),
    errors,
    h('div', { class: 'actions' }, submit),
    result,
  );
  main.append(h('h1', {}, t('export.title')), h('p', { class: 'subtitle' }, t('export.intro')), form);

  const controller = new AbortController();
  const districtIds = {};
  Promise.all([
    apiAll('/terms', {}),
    ownSchool ? [] : apiAll('/districts', { sort: 'code' }),
  ])
    .then(([terms, districts]) => {
      term.append(...terms.map((x) => h('option', { value: String(x.id) }, pick(x, 'label'))));
      for (const d of districts) districtIds[d.code] = d.id;
      district.append(...districts.map((d) => h('option', { value: d.code }, `${d.code} ${pick(d, 'name')}`)));
    })
    .catch((error) => showError(errors, error));

  district.addEventListener('change', async () => {
    replace(school, h('option', { value: '' }, t('export.any')));
    if (!district.value) return;
    try {
      const schools = await apiAll('/schools', { district: districtIds[district.value], sort: 'code' });
      school.append(...schools.map((s) => h('option', { value: s.code }, `${s.code} ${pick(s, 'name')}`)));
    } catch (error) {
      showError(errors, error);
    }
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    showError(errors, null);
    replace(result);
    // A mistyped date says so under itself; nothing is fetched until it is fixed.
    if (![from.check(), to.check()].every(Boolean)) {
      focusFirstInvalid(form);
      return;
    }
    const format = form.querySelector('input[name="format"]:checked').value;
    const query = {
      from: from.value, to: to.value, term: term.value, district: district.value, school: school.value,
      room: room.value.trim(), workshop: workshop.value, course: course.value.trim(), status: status.value,
      format, calendar: calendar.value,
      // Headings and status words in the page's language (the API's default is English).
      lang: getLang(),
    };
    submit.disabled = true;
    replace(result, h('p', { class: 'loading' }, '↻ ', t('export.working')));
    try {
      const { name, size } = await download(query, controller.signal);
      replace(result, h('p', { class: 'alert alert-success' }, '✔ ', t('export.done', { name, size: formatNumber(Math.ceil(size / 1024)) })));
    } catch (error) {
      if (error.name === 'AbortError') return;
      replace(result);
      const { fields } = describe(error);
      showFieldErrors(form, fields);
      showError(errors, error);
    } finally {
      submit.disabled = false;
    }
  });
  return () => controller.abort();
}

/** Fetch the export with the bearer token and save it under the server's file name. */
function download(query, signal) {
  return downloadFile('/exports/attendance', query, { signal, fallbackName: `attendance.${query.format}` });
}
