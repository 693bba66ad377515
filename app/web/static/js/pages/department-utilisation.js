// Room utilisation for the Education Department: per room, school or district and per week,
// month or term, the teaching hours available, booked and used, as a sortable table; the ten
// least used rooms; a weekday x hour heat map of the used share; the same figures as CSV.
import { api, apiAll } from '../api.js';
import { field, h, replace } from '../dom.js';
import { downloadFile, routeMissing } from '../download.js';
import {
  formatNumber, formatPercent, pick, t,
} from '../i18n.js';
import { showError } from '../problems.js';

const GROUPS = ['school', 'district', 'room'];
const PERIODS = ['term', 'month', 'week'];
// [key in the item, label, kind]: kind picks the formatting and the sort.
const COLUMNS = [
  ['rooms', 'util.rooms', 'n'], ['seats', 'util.seats', 'n'],
  ['available_hours', 'util.available', 'h'], ['scheduled_hours', 'util.scheduled', 'h'],
  ['used_hours', 'util.used', 'h'], ['untaken_hours', 'util.untaken', 'h'],
  ['cancelled_sessions', 'util.cancelled', 'n'],
  ['scheduled_rate', 'util.scheduledRate', 'r'], ['used_rate', 'util.usedRate', 'r'],
  ['seats_filled_rate', 'util.seatsRate', 'r'],
];
// The heat map's colour steps by used share (the number is always written in the cell).
const STEPS = [0.2, 0.4, 0.6, 0.8];

export function render(main, { query, navigate }) {
  document.title = `${t('util.title')} · ${t('app.name')}`;
  const groupBy = GROUPS.includes(query.get('group_by')) ? query.get('group_by') : 'school';
  const period = PERIODS.includes(query.get('period')) ? query.get('period') : 'term';
  const termSelect = h('select', { name: 'term' }, h('option', { value: '' }, t('app.loading')));
  const groupSelect = h('select', { name: 'group_by' },
    GROUPS.map((g) => h('option', { value: g, selected: g === groupBy }, t(`util.by.${g}`))));
  const periodSelect = h('select', { name: 'period' },
    PERIODS.map((p) => h('option', { value: p, selected: p === period }, t(`util.per.${p}`))));
  const form = h('form', { class: 'inline-form card' },
    field(t('dept.term'), termSelect),
    field(t('dept.groupBy'), groupSelect),
    field(t('util.period'), periodSelect),
    h('button', { type: 'submit', class: 'primary' }, t('dept.show')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const params = new URLSearchParams({ term: termSelect.value, group_by: groupSelect.value, period: periodSelect.value });
    navigate(`#/department/utilisation?${params}`);
  });
  const errors = h('div');
  const content = h('div', { aria: { busy: 'true' } }, h('p', { class: 'loading' }, t('app.loading')));
  const fileResult = h('div', { role: 'status', aria: { live: 'polite' } });
  const csv = h('button', { type: 'button', class: 'secondary', hidden: true }, '⇩ ', t('compl.csv'));
  main.append(h('h1', {}, t('util.title')), form, errors, h('div', { class: 'actions' }, csv), fileResult, content);

  const controller = new AbortController();
  const signal = controller.signal;
  let chosen = null;
  csv.addEventListener('click', async () => {
    replace(fileResult, h('p', { class: 'loading' }, '↻ ', t('export.working')));
    try {
      const { name, size } = await downloadFile('/reports/room-utilisation', {
        term: chosen, group_by: groupBy, period, format: 'csv',
      }, { signal, fallbackName: `room-utilisation_${groupBy}.csv` });
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
      return api('/reports/room-utilisation', { query: { term: chosen, group_by: groupBy, period }, signal })
        .then((report) => {
          content.removeAttribute('aria-busy');
          csv.hidden = false;
          replace(content, ...reportView(report, groupBy, period));
        });
    })
    .catch((error) => {
      if (error.name === 'AbortError') return;
      content.removeAttribute('aria-busy');
      replace(content);
      if (routeMissing(error)) replace(content, h('p', { class: 'alert alert-info' }, 'ℹ ', t('util.notAvailable')));
      else showError(errors, error);
    });
  return () => controller.abort();
}

function reportView(report, groupBy, period) {
  const totals = report.totals || {};
  const least = report.least_used || [];
  const leastIds = new Set(least.map((r) => r.room_id));
  return [
    h('p', { class: 'hint' }, t('util.note')),
    h('p', { class: 'summary' }, t('util.totals', {
      rooms: formatNumber(totals.rooms ?? 0),
      available: hours(totals.available_hours),
      scheduled: hours(totals.scheduled_hours),
      used: hours(totals.used_hours),
      rate: rateText(totals.used_rate),
    })),
    h('section', { aria: { labelledby: 'least-heading' } },
      h('h2', { id: 'least-heading' }, t('util.least')),
      least.length
        ? h('ol', { class: 'least-used' }, least.map((r) => h('li', {},
          h('strong', {}, `${r.code} ${r.name}`), ` · ${r.school_code} ${r.school_name_th} · `,
          t('util.leastLine', { used: rateText(r.used_rate), scheduled: rateText(r.scheduled_rate) }))))
        : h('p', { class: 'empty' }, t('dept.noData'))),
    h('section', { aria: { labelledby: 'util-table-heading' } },
      h('h2', { id: 'util-table-heading' }, t('util.table')),
      (report.items || []).length
        ? sortableTable(report.items, totals, groupBy, period, leastIds)
        : h('p', { class: 'empty' }, t('dept.noData'))),
    h('section', { aria: { labelledby: 'heat-heading' } },
      h('h2', { id: 'heat-heading' }, t('util.heat')),
      heatmap(report.heatmap?.cells || [])),
  ];
}

function sortableTable(items, totals, groupBy, period, leastIds) {
  let sortKey = null;
  let descending = false;
  const label = (item) => [item.code, item.name_th].filter(Boolean).join(' ');
  const tbody = h('tbody');
  const headers = [];
  const header = (key, text) => {
    const button = h('button', { type: 'button', class: 'sort' }, text);
    const th = h('th', { scope: 'col', aria: { sort: 'none' } }, button);
    button.addEventListener('click', () => {
      descending = sortKey === key ? !descending : false;
      sortKey = key;
      for (const [k, cell] of headers) cell.setAttribute('aria-sort', k === key ? (descending ? 'descending' : 'ascending') : 'none');
      draw();
    });
    headers.push([key, th]);
    return th;
  };
  const value = (item, key) => (key === 'group' ? label(item) : item[key]);
  function draw() {
    const rows = [...items];
    if (sortKey) {
      rows.sort((a, b) => {
        const x = value(a, sortKey);
        const y = value(b, sortKey);
        if (x === y) return 0;
        if (x === null || x === undefined) return 1; // no figure: last either way
        if (y === null || y === undefined) return -1;
        const order = typeof x === 'string' ? x.localeCompare(y, 'th') : x - y;
        return descending ? -order : order;
      });
    }
    replace(tbody, rows.map((item) => {
      const least = groupBy === 'room' && leastIds.has(item.group_id);
      return h('tr', { class: least ? 'least-used-row' : null },
        h('th', { scope: 'row' }, least ? [h('span', { aria: { hidden: 'true' } }, '▼ '), h('span', { class: 'visually-hidden' }, `${t('util.leastMark')}: `)] : null, label(item),
          item.school_code ? h('span', { class: 'hint' }, ` (${item.school_code})`) : null),
        period !== 'term' ? h('td', {}, `${item.period_start} – ${item.period_end}`) : null,
        cells(item));
    }));
  }
  draw();
  return h('div', { class: 'table-wrap' }, h('table', { class: 'numbers sortable' },
    h('caption', {}, t('util.caption', { group: t(`util.by.${groupBy}`) })),
    h('thead', {}, h('tr', {},
      header('group', t(`util.by.${groupBy}`)),
      period !== 'term' ? header('period_start', t('util.periodStart')) : null,
      COLUMNS.map(([key, text]) => header(key, t(text))))),
    tbody,
    h('tfoot', {}, h('tr', {}, h('th', { scope: 'row' }, t('compl.total')), period !== 'term' ? h('td') : null, cells(totals)))));
}

function cells(row) {
  return COLUMNS.map(([key, , kind]) => h('td', {}, format(row?.[key], kind)));
}

function format(value, kind) {
  if (kind === 'r') return rateText(value);
  if (kind === 'h') return hours(value);
  return formatNumber(value ?? 0);
}

function hours(value) {
  return formatNumber(Math.round((value ?? 0) * 10) / 10);
}

function rateText(rate) {
  return rate === null || rate === undefined ? t('chart.noData') : formatPercent(Number(rate));
}

function step(rate) {
  if (rate === null || rate === undefined) return 'heat-none';
  return `heat-${STEPS.filter((s) => rate >= s).length}`;
}

function heatmap(cells) {
  if (!cells.length) return h('p', { class: 'empty' }, t('dept.noData'));
  const hoursShown = [...new Set(cells.map((c) => c.hour))].sort((a, b) => a - b);
  const first = hoursShown[0];
  const last = hoursShown.at(-1);
  const range = Array.from({ length: last - first + 1 }, (_, i) => first + i);
  const days = [...new Set(cells.map((c) => c.weekday))].sort((a, b) => a - b);
  const byKey = new Map(cells.map((c) => [`${c.weekday}-${c.hour}`, c]));
  const legend = h('ul', { class: 'heat-legend', aria: { label: t('util.legend') } },
    [0, 1, 2, 3, 4].map((n) => h('li', {}, h('span', { class: `heat-swatch heat-${n}`, aria: { hidden: 'true' } }),
      n === 0 ? `< ${STEPS[0] * 100}%` : n === 4 ? `≥ ${STEPS[3] * 100}%` : `${STEPS[n - 1] * 100}–${STEPS[n] * 100}%`)),
    h('li', {}, h('span', { class: 'heat-swatch heat-none', aria: { hidden: 'true' } }), t('util.heatNone')));
  return h('div', {},
    h('p', { class: 'hint' }, t('util.heatNote')),
    h('div', { class: 'table-wrap' }, h('table', { class: 'heatmap' },
      h('caption', {}, t('util.heatCaption')),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('util.weekday')),
        range.map((hour) => h('th', { scope: 'col' }, `${String(hour).padStart(2, '0')}:00`)))),
      h('tbody', {}, days.map((day) => h('tr', {},
        h('th', { scope: 'row' }, t(`util.day.${day}`)),
        range.map((hour) => {
          const cell = byKey.get(`${day}-${hour}`);
          if (!cell) return h('td', { class: 'heat-empty' }, '');
          const title = t('util.heatCell', {
            used: hours(cell.used_hours), scheduled: hours(cell.scheduled_hours), available: hours(cell.available_hours),
          });
          return h('td', { class: step(cell.used_rate), title }, cell.used_rate === null || cell.used_rate === undefined ? '–' : formatPercent(cell.used_rate));
        })))))),
    legend);
}
