// The department page's completion section: per district, school, course, pillar or module,
// how many students started, completed, did not complete or are still learning, with the
// completion rate as a table and a chart, and the same numbers as a CSV file. The report
// API may be newer than this page: a bare 404 reads "not available yet".
import { api } from '../api.js';
import { rateChart } from '../chart.js';
import { field, h, replace } from '../dom.js';
import { downloadFile, routeMissing } from '../download.js';
import {
  formatNumber, formatPercent, localise, pick, t,
} from '../i18n.js';
import { showError } from '../problems.js';

export const COMPLETION_GROUPS = ['district', 'school', 'course', 'pillar', 'module'];
const CHART_MAX = 60;
const COLUMNS = [
  ['started', 'compl.started'], ['completed', 'compl.completed'], ['incomplete', 'compl.incomplete'],
  ['in_progress', 'compl.inProgress'],
];

/**
 * The section, drawn for `term`; `groupBy` comes from the address (completion_by) and a new
 * choice goes back there through `choose`, like the attendance summary's form.
 */
export function completionSection({ term, groupBy, choose, signal }) {
  const by = COMPLETION_GROUPS.includes(groupBy) ? groupBy : 'district';
  const section = h('section', { aria: { labelledby: 'completion-heading' } });
  const select = h('select', { name: 'completion_by' },
    COMPLETION_GROUPS.map((g) => h('option', { value: g, selected: g === by }, t(`compl.by.${g}`))));
  const form = h('form', { class: 'inline-form card' },
    field(t('compl.groupBy'), select),
    h('button', { type: 'submit', class: 'secondary' }, t('compl.show')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    choose(select.value);
  });
  const content = h('div', { aria: { busy: 'true' } }, h('p', { class: 'loading' }, t('app.loading')));
  const fileResult = h('div', { role: 'status', aria: { live: 'polite' } });
  const csv = h('button', { type: 'button', class: 'secondary', hidden: true }, '⇩ ', t('compl.csv'));
  csv.addEventListener('click', async () => {
    replace(fileResult, h('p', { class: 'loading' }, '↻ ', t('export.working')));
    try {
      const { name, size } = await downloadFile('/reports/completion', { group_by: by, term, format: 'csv' }, {
        signal, fallbackName: `completion_${by}.csv`,
      });
      replace(fileResult, h('p', { class: 'alert alert-success' }, '✔ ', t('export.done', { name, size: formatNumber(Math.ceil(size / 1024)) })));
    } catch (error) {
      if (error.name === 'AbortError') return;
      replace(fileResult);
      showError(fileResult, error);
    }
  });
  replace(section, h('h2', { id: 'completion-heading' }, t('compl.title')), form, content, h('div', { class: 'actions' }, csv), fileResult);

  api('/reports/completion', { query: { group_by: by, term }, signal })
    .then((report) => {
      content.removeAttribute('aria-busy');
      const items = report.items || [];
      csv.hidden = false;
      if (!items.length) {
        replace(content, h('p', { class: 'empty' }, t('dept.noData')));
        return;
      }
      const label = (item) => [item.code, pick(item, 'name') || pick(item, 'title')].filter(Boolean).join(' ');
      const lowest = [...items].sort((a, b) => (a.completion_rate ?? 2) - (b.completion_rate ?? 2));
      const chartRows = (items.length > CHART_MAX ? lowest.slice(0, CHART_MAX) : items)
        .map((item) => ({ label: label(item), rate: item.completion_rate }));
      replace(content,
        report.rate_formula ? h('p', { class: 'hint' }, localise(report.rate_formula)) : null,
        rateChart(chartRows, {
          caption: items.length > CHART_MAX ? t('compl.chartLowest', { n: CHART_MAX }) : t('compl.chart', { group: t(`compl.by.${by}`) }),
          threshold: null,
        }),
        table(items, report.totals, by, label));
    })
    .catch((error) => {
      if (error.name === 'AbortError') return;
      content.removeAttribute('aria-busy');
      replace(content);
      if (routeMissing(error)) replace(content, h('p', { class: 'alert alert-info' }, 'ℹ ', t('compl.notAvailable')));
      else showError(content, error);
    });
  return section;
}

function table(items, totals, by, label) {
  const cells = (row) => [
    COLUMNS.map(([name]) => h('td', {}, formatNumber(row?.[name] ?? 0))),
    h('td', {}, rateText(row?.completion_rate)),
    h('td', {}, rateText(row?.median_attendance_completers)),
    h('td', {}, formatNumber(row?.courses_completed ?? 0)),
  ];
  return h('div', { class: 'table-wrap' }, h(
    'table', { class: 'numbers' },
    h('caption', {}, t('compl.table', { group: t(`compl.by.${by}`) })),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, t(`compl.by.${by}`)),
      COLUMNS.map(([, key]) => h('th', { scope: 'col' }, t(key))),
      h('th', { scope: 'col' }, t('compl.rate')),
      h('th', { scope: 'col' }, t('compl.median')),
      h('th', { scope: 'col' }, t('compl.courses')))),
    h('tbody', {}, items.map((item) => h('tr', {}, h('th', { scope: 'row' }, label(item)), cells(item)))),
    totals ? h('tfoot', {}, h('tr', {}, h('th', { scope: 'row' }, t('compl.total')), cells(totals))) : null,
  ));
}

function rateText(rate) {
  return rate === null || rate === undefined ? t('chart.noData') : formatPercent(Number(rate));
}
