// The program dashboard for the Education Department: the partnership's three pillars side
// by side for a term (students reached, sessions held, attendance, lab time used) and the
// whole program, on one page that prints as it is; the self-contained A4 page from the API
// is a download for mailing on.
import { api, apiAll } from '../api.js';
import { field, h, replace } from '../dom.js';
import { downloadFile, routeMissing } from '../download.js';
import {
  formatNumber, formatPercent, pick, t,
} from '../i18n.js';
import { showError } from '../problems.js';

// [key, label, kind]: n a count, r a rate, h hours.
const ROWS = [
  ['students_reached', 'dash.studentsReached', 'n'], ['students_enrolled', 'dash.studentsEnrolled', 'n'],
  ['schools_reached', 'dash.schoolsReached', 'n'], ['workshops', 'dash.workshops', 'n'],
  ['creators', 'dash.creators', 'n'], ['sessions_held', 'dash.sessionsHeld', 'n'],
  ['sessions_taken', 'dash.sessionsTaken', 'n'], ['attendance_rate', 'dash.attendanceRate', 'r'],
  ['modules_completed', 'dash.modulesCompleted', 'n'], ['courses_completed', 'dash.coursesCompleted', 'n'],
  ['lab_hours_scheduled', 'dash.labBooked', 'h'], ['lab_hours_used', 'dash.labUsed', 'h'],
  ['share_of_available', 'dash.labShare', 'r'],
];

function cell(value, kind) {
  if (value === null || value === undefined) return '–';
  if (kind === 'r') return formatPercent(value);
  if (kind === 'h') return formatNumber(Math.round(value * 10) / 10);
  return formatNumber(value);
}

export function render(main, { query, navigate }) {
  document.title = `${t('dash.title')} · ${t('app.name')}`;
  const termSelect = h('select', { name: 'term' }, h('option', { value: '' }, t('app.loading')));
  const form = h('form', { class: 'inline-form card no-print' },
    field(t('dept.term'), termSelect),
    h('button', { type: 'submit', class: 'primary' }, t('dept.show')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    navigate(`#/department/dashboard?${new URLSearchParams({ term: termSelect.value })}`);
  });
  const errors = h('div');
  const content = h('div', { aria: { busy: 'true' } }, h('p', { class: 'loading' }, t('app.loading')));
  const fileResult = h('div', { role: 'status', aria: { live: 'polite' } });
  const print = h('button', { type: 'button', class: 'secondary', hidden: true }, '🖶 ', t('dash.print'));
  const page = h('button', { type: 'button', class: 'secondary', hidden: true }, '⇩ ', t('dash.download'));
  main.append(h('h1', {}, t('dash.title')), form, errors,
    h('div', { class: 'actions no-print' }, print, page), fileResult, content);

  const controller = new AbortController();
  const signal = controller.signal;
  let chosen = null;
  print.addEventListener('click', () => window.print());
  page.addEventListener('click', async () => {
    replace(fileResult, h('p', { class: 'loading' }, '↻ ', t('export.working')));
    try {
      const lang = document.documentElement.lang === 'en' ? 'en' : 'th';
      const { name, size } = await downloadFile('/reports/program-dashboard', { term: chosen, format: 'html', lang }, {
        signal, fallbackName: 'program-dashboard.html',
      });
      replace(fileResult, h('p', { class: 'alert alert-success' }, '✔ ', t('export.done', { name, size: formatNumber(Math.ceil(size / 1024)) })));
    } catch (error) {
      if (error.name === 'AbortError') return;
      replace(fileResult);
      showError(fileResult, error);
    }
  });

  Promise.all([apiAll('/terms', {}), api('/terms/current', { signal }).catch(() => null)])
    .then(([terms, current]) => {
      chosen = Number(query.get('term')) || current?.id || terms.at(-1)?.id;
      replace(termSelect, terms.map((x) => h('option', { value: String(x.id), selected: x.id === chosen }, pick(x, 'label'))));
      if (!chosen) {
        replace(content, h('p', { class: 'empty' }, t('dept.noData')));
        return null;
      }
      return api('/reports/program-dashboard', { query: { term: chosen }, signal }).then((report) => {
        content.removeAttribute('aria-busy');
        print.hidden = false;
        page.hidden = false;
        replace(content, ...view(report));
      });
    })
    .catch((error) => {
      if (error.name === 'AbortError') return;
      content.removeAttribute('aria-busy');
      replace(content);
      if (routeMissing(error)) replace(content, h('p', { class: 'alert alert-info' }, 'ℹ ', t('dash.notAvailable')));
      else showError(errors, error);
    });
  return () => controller.abort();
}

function view(report) {
  const totals = report.totals || {};
  const pillars = report.pillars || [];
  const head = h('tr', {}, h('th', { scope: 'col' }, t('dash.figure')),
    pillars.map((p) => h('th', { scope: 'col' }, pick(p, 'name'))),
    h('th', { scope: 'col', class: 'total' }, t('dash.program')));
  const rows = ROWS.map(([key, label, kind]) => h('tr', {},
    h('th', { scope: 'row' }, t(label)),
    pillars.map((p) => h('td', { class: 'num' }, cell(p[key], kind))),
    h('td', { class: 'num total' }, cell(totals[key], kind))));
  return [
    h('p', { class: 'summary' }, t('dash.summary', {
      term: report.term ? report.term.label : '–',
      available: formatNumber(Math.round(totals.available_hours ?? 0)),
      rooms: formatNumber(totals.rooms ?? 0),
      used: cell(totals.used_rate, 'r'),
    })),
    // Five columns do not fit every phone: the table scrolls in its own box, not the page.
    h('div', { class: 'table-wrap' }, h('table', { class: 'data dashboard' },
      h('caption', {}, t('dash.caption')),
      h('thead', {}, head), h('tbody', {}, rows))),
    h('p', { class: 'hint' }, t('dash.note')),
  ];
}
