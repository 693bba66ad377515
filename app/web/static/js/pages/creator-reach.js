// Creator reach: per creator and term, the workshops led, sessions held, students, schools
// and districts reached, attendance and completions, each row opening onto its pillars.
// The department and admins see every creator, a school admin the workshops their school
// hosts, a creator their own rows (the API decides; this page only shows what it gets).
import { api, apiAll } from '../api.js';
import { field, h, replace } from '../dom.js';
import { downloadFile, routeMissing } from '../download.js';
import {
  formatNumber, formatPercent, pick, t,
} from '../i18n.js';
import { showError } from '../problems.js';

// [key in the API's item, label key, text column?]
const COLUMNS = [
  ['display_name', 'reach.creator', true],
  ['term_label', 'reach.term', true],
  ['workshops', 'reach.workshops'],
  ['sessions_held', 'reach.sessionsHeld'],
  ['students_enrolled', 'reach.enrolled'],
  ['students_reached', 'reach.reached'],
  ['schools_reached', 'reach.schools'],
  ['districts_reached', 'reach.districts'],
  ['attendance_rate', 'reach.rate'],
  ['modules_completed', 'reach.modules'],
  ['courses_completed', 'reach.courses'],
];
const PILLAR_COLUMNS = COLUMNS.slice(2);

export function render(main, { query, navigate }) {
  document.title = `${t('reach.title')} · ${t('app.name')}`;
  const termSelect = h('select', { name: 'term' }, h('option', { value: '' }, t('app.loading')));
  const form = h('form', { class: 'inline-form card' },
    field(t('reach.term'), termSelect),
    h('button', { type: 'submit', class: 'primary' }, t('reach.show')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    navigate(`#/reach?${new URLSearchParams({ term: termSelect.value || 'all' })}`);
  });
  const content = h('div', { aria: { busy: 'true' } }, h('p', { class: 'loading' }, t('app.loading')));
  const fileResult = h('div', { role: 'status', aria: { live: 'polite' } });
  const csv = h('button', { type: 'button', class: 'secondary', hidden: true }, '⇩ ', t('reach.csv'));
  main.append(h('h1', {}, t('reach.title')), h('p', { class: 'hint' }, t('reach.intro')), form, content,
    h('div', { class: 'actions' }, csv), fileResult);

  const controller = new AbortController();
  const { signal } = controller;
  Promise.all([apiAll('/terms', {}), api('/terms/current', { signal }).catch(() => null)])
    .then(([terms, current]) => {
      const asked = query.get('term');
      const chosen = asked === 'all' ? null : Number(asked) || current?.id || terms.at(-1)?.id || null;
      replace(termSelect,
        h('option', { value: 'all', selected: chosen === null }, t('reach.allTerms')),
        terms.map((x) => h('option', { value: String(x.id), selected: x.id === chosen }, pick(x, 'label'))));
      const params = chosen ? { term: chosen } : {};
      csv.onclick = () => download(params);
      return api('/reports/creator-reach', { query: params, signal });
    })
    .then((report) => {
      content.removeAttribute('aria-busy');
      csv.hidden = false;
      if (!report.items.length) {
        replace(content, h('p', { class: 'empty' }, t('reach.none')));
        return;
      }
      replace(content, reachTable(report));
    })
    .catch((error) => {
      if (error.name === 'AbortError') return;
      content.removeAttribute('aria-busy');
      replace(content);
      if (routeMissing(error)) replace(content, h('p', { class: 'alert alert-info' }, 'ℹ ', t('reach.notAvailable')));
      else showError(content, error);
    });

  async function download(params) {
    replace(fileResult, h('p', { class: 'loading' }, '↻ ', t('export.working')));
    try {
      const { name, size } = await downloadFile('/reports/creator-reach', { ...params, format: 'csv' }, {
        signal, fallbackName: 'creator-reach.csv',
      });
      replace(fileResult, h('p', { class: 'alert alert-success' }, '✔ ', t('export.done', { name, size: formatNumber(Math.ceil(size / 1024)) })));
    } catch (error) {
      if (error.name === 'AbortError') return;
      replace(fileResult);
      showError(fileResult, error);
    }
  }
  return () => controller.abort();
}

function cell(row, key) {
  if (key === 'attendance_rate') return formatPercent(row[key] === null ? null : Number(row[key]));
  if (key === 'display_name') return `${row.display_name} (@${row.handle})`;
  if (key === 'term_label') return row.term_label;
  return formatNumber(row[key] ?? 0);
}

/** The creators' table: sortable by any column (aria-sort), each row opening its pillars. */
function reachTable(report) {
  let sortKey = 'students_reached';
  let ascending = false;
  const open = new Set();
  const tbody = h('tbody');
  const headers = COLUMNS.map(([key, label]) => {
    const button = h('button', { type: 'button', class: 'link sort' }, t(label));
    const th = h('th', { scope: 'col', dataset: { key } }, button);
    button.addEventListener('click', () => {
      ascending = sortKey === key ? !ascending : Boolean(COLUMNS.find((c) => c[0] === key)[2]);
      sortKey = key;
      draw();
    });
    return th;
  });
  function draw() {
    for (const th of headers) {
      const active = th.dataset.key === sortKey;
      if (active) th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
      else th.removeAttribute('aria-sort');
    }
    const items = [...report.items].sort((a, b) => compare(a[sortKey], b[sortKey]) * (ascending ? 1 : -1)
      || a.handle.localeCompare(b.handle));
    replace(tbody, items.map((item) => rows(item)));
  }
  function rows(item) {
    const id = `${item.creator_id}-${item.term_id}`;
    const expanded = open.has(id);
    const toggle = h('button', {
      type: 'button', class: 'link', aria: { expanded: String(expanded), controls: `pillars-${id}` },
    }, expanded ? '▾ ' : '▸ ', t('reach.pillars'));
    toggle.addEventListener('click', () => {
      if (open.has(id)) open.delete(id); else open.add(id);
      draw();
    });
    const line = h('tr', { dataset: { creator: item.handle } },
      COLUMNS.map(([key], i) => (i === 0
        ? h('th', { scope: 'row' }, cell(item, key), ' ', toggle)
        : h('td', {}, cell(item, key)))));
    const detail = h('tr', { id: `pillars-${id}`, class: 'detail', hidden: !expanded },
      h('td', { colspan: String(COLUMNS.length) }, pillarTable(item)));
    return [line, detail];
  }
  const totals = report.totals;
  const foot = h('tfoot', {}, h('tr', {},
    h('th', { scope: 'row' }, t('reach.total')), h('td', {}, report.term ? report.term.label : t('reach.allTerms')),
    PILLAR_COLUMNS.map(([key]) => h('td', {}, cell(totals, key)))));
  draw();
  return h('div', { class: 'table-wrap' }, h('table', { class: 'numbers', id: 'reach-table' },
    h('caption', {}, t('reach.table')),
    h('thead', {}, h('tr', {}, headers)), tbody, foot));
}

function pillarTable(item) {
  return h('table', { class: 'numbers' },
    h('caption', {}, t('reach.byPillar', { name: item.display_name })),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('reach.pillar')),
      PILLAR_COLUMNS.map(([, label]) => h('th', { scope: 'col' }, t(label))))),
    h('tbody', {}, item.by_pillar.map((p) => h('tr', {},
      h('th', { scope: 'row' }, p.name_th, h('span', { lang: 'en', class: 'hint' }, ` ${p.name_en}`)),
      PILLAR_COLUMNS.map(([key]) => h('td', {}, cell(p, key)))))));
}

function compare(a, b) {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  return typeof a === 'string' ? a.localeCompare(b) : a - b;
}
