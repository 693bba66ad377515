// The Education Department's view of a term: attendance by district or school (table and
// chart), and the students whose attendance is low.
import { api, apiAll } from '../api.js';
import { field, h, replace } from '../dom.js';
import { formatNumber, formatPercent, pick, t } from '../i18n.js';
import { rateChart } from '../chart.js';
import { showError } from '../problems.js';
import { completionSection } from './department-completion.js';

const LOW_MAX = 500; // the API's largest page; the export has every row
const CHART_MAX = 60; // all 50 districts; for schools, the lowest 60

export function render(main, { query, navigate }) {
  document.title = `${t('dept.title')} · ${t('app.name')}`;
  const groupBy = query.get('group_by') === 'school' ? 'school' : 'district';
  const threshold = clamp(Number(query.get('threshold') || 80), 1, 100);
  const consecutive = clamp(Number(query.get('consecutive') || 3), 1, 50);
  const termSelect = h('select', { name: 'term' }, h('option', { value: '' }, t('app.loading')));
  const groupSelect = h('select', { name: 'group_by' },
    h('option', { value: 'district', selected: groupBy === 'district' }, t('dept.byDistrict')),
    h('option', { value: 'school', selected: groupBy === 'school' }, t('dept.bySchool')));
  const thresholdInput = h('input', { type: 'number', name: 'threshold', min: '1', max: '100', value: String(threshold), inputmode: 'numeric' });
  const consecutiveInput = h('input', { type: 'number', name: 'consecutive', min: '1', max: '50', value: String(consecutive), inputmode: 'numeric' });
  const errors = h('div');
  const summary = h('section', { aria: { labelledby: 'summary-heading' } });
  const low = h('section', { aria: { labelledby: 'low-heading' } });
  const completion = h('div');
  const form = h(
    'form', { class: 'inline-form card' },
    field(t('dept.term'), termSelect),
    field(t('dept.groupBy'), groupSelect),
    field(t('dept.threshold'), thresholdInput),
    field(t('dept.consecutive'), consecutiveInput),
    h('button', { type: 'submit', class: 'primary' }, t('dept.show')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    go({
      term: termSelect.value, group_by: groupSelect.value,
      threshold: thresholdInput.value || '80', consecutive: consecutiveInput.value || '3',
    });
  });
  function go(changes) {
    const params = new URLSearchParams(query);
    for (const [key, value] of Object.entries(changes)) params.set(key, value);
    navigate(`#/department?${params}`);
  }
  main.append(h('h1', {}, t('dept.title')), form, errors, summary, low, completion);

  const controller = new AbortController();
  const signal = controller.signal;
  Promise.all([apiAll('/terms', {}), api('/terms/current', { signal }).catch(() => null)])
    .then(([terms, current]) => {
      const chosen = Number(query.get('term')) || current?.id || terms.at(-1)?.id;
      replace(termSelect, terms.map((x) => h('option', { value: String(x.id), selected: x.id === chosen }, pick(x, 'label'))));
      if (!chosen) return null;
      replace(completion, completionSection({
        term: chosen,
        groupBy: query.get('completion_by'),
        choose: (by) => go({ term: termSelect.value || String(chosen), completion_by: by }),
        signal,
      }));
      return Promise.all([loadSummary(chosen), loadLow(chosen)]);
    })
    .catch((error) => {
      if (error.name !== 'AbortError') showError(errors, error);
    });

  async function loadSummary(term) {
    replace(summary, h('h2', { id: 'summary-heading' }, t('dept.summary')), h('p', { class: 'loading' }, t('app.loading')));
    try {
      const report = await api('/reports/attendance-summary', { query: { group_by: groupBy, term }, signal });
      const items = report.items || [];
      const label = (item) => `${item.code} ${item.name_th}`;
      const rated = [...items].sort((a, b) => (a.attendance_rate ?? 2) - (b.attendance_rate ?? 2));
      const chartRows = (items.length > CHART_MAX ? rated.slice(0, CHART_MAX) : items)
        .map((item) => ({ label: label(item), rate: item.attendance_rate }));
      replace(
        summary,
        h('h2', { id: 'summary-heading' }, t('dept.summary')),
        report.rate_formula ? h('p', { class: 'hint' }, t('dept.rateNote')) : null,
        items.length
          ? [
            rateChart(chartRows, {
              caption: items.length > CHART_MAX
                ? t('dept.chartLowest', { n: CHART_MAX })
                : t(groupBy === 'school' ? 'dept.chartSchools' : 'dept.chartDistricts'),
              threshold: threshold / 100,
            }),
            summaryTable(items, groupBy),
          ]
          : h('p', { class: 'empty' }, t('dept.noData')),
      );
    } catch (error) {
      if (error.name === 'AbortError') return;
      replace(summary, h('h2', { id: 'summary-heading' }, t('dept.summary')));
      showError(summary.appendChild(h('div')), error);
    }
  }

  async function loadLow(term) {
    replace(low, h('h2', { id: 'low-heading' }, t('dept.low')), h('p', { class: 'loading' }, t('app.loading')));
    try {
      const report = await api('/reports/low-attendance', {
        query: { term, threshold: threshold / 100, consecutive, limit: LOW_MAX }, signal,
      });
      const items = report.items || [];
      replace(
        low,
        h('h2', { id: 'low-heading' }, t('dept.low')),
        h('p', { class: 'hint' }, t('dept.lowNote', { threshold, consecutive })),
        items.length ? lowTable(items, report.total) : h('p', { class: 'empty' }, '✔ ', t('dept.noLow')),
      );
    } catch (error) {
      if (error.name === 'AbortError') return;
      replace(low, h('h2', { id: 'low-heading' }, t('dept.low')));
      showError(low.appendChild(h('div')), error);
    }
  }

  return () => controller.abort();
}

function summaryTable(items, groupBy) {
  const columns = [
    ['sessions_held', 'dept.held'], ['sessions_taken', 'dept.taken'], ['enrolled', 'dept.enrolled'],
    ['present', 'status.present'], ['late', 'status.late'], ['excused', 'status.excused'], ['absent', 'status.absent'],
  ];
  return h('div', { class: 'table-wrap' }, h(
    'table', { class: 'numbers' },
    h('caption', {}, t(groupBy === 'school' ? 'dept.tableSchools' : 'dept.tableDistricts')),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, t('dept.code')),
      h('th', { scope: 'col' }, t(groupBy === 'school' ? 'dept.school' : 'dept.district')),
      columns.map(([, key]) => h('th', { scope: 'col' }, t(key))),
      h('th', { scope: 'col' }, t('dept.rate')))),
    h('tbody', {}, items.map((item) => h('tr', {},
      h('td', {}, item.code),
      h('th', { scope: 'row' }, item.name_th),
      columns.map(([name]) => h('td', {}, formatNumber(item[name] ?? 0))),
      h('td', {}, rateText(item.attendance_rate))))),
  ));
}

function lowTable(items, total) {
  const caption = total > items.length
    ? t('dept.lowCaptionSome', { n: items.length, total })
    : t('dept.lowCaption', { n: items.length });
  return h('div', { class: 'table-wrap' }, h(
    'table', { class: 'numbers' },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {},
      ['enrol.code', 'enrol.name', 'enrol.grade', 'dept.school', 'dept.rate', 'status.absent', 'dept.streak', 'dept.workshops']
        .map((key) => h('th', { scope: 'col' }, t(key))))),
    h('tbody', {}, items.map((item) => h('tr', {},
      h('td', {}, item.student_code),
      h('th', { scope: 'row' }, item.student_id ? h('a', { href: `#/students/${item.student_id}` }, item.name_th) : item.name_th),
      h('td', {}, item.grade_level),
      h('td', {}, item.school ? `${item.school.code} ${item.school.name_th}` : ''),
      h('td', {}, rateText(item.attendance_rate, item.below_threshold)),
      h('td', {}, formatNumber(item.absent ?? 0)),
      h('td', {}, item.absence_streak_reached ? `⚠ ${item.longest_absence_streak}` : formatNumber(item.longest_absence_streak ?? 0)),
      h('td', {}, (item.workshops || []).map((w) => `${w.course_code} ${w.title_th}`).join(', '))))),
  ));
}

function rateText(rate, low) {
  if (rate === null || rate === undefined) return t('chart.noData');
  return low ? `▼ ${formatPercent(rate)}` : formatPercent(rate);
}

function clamp(value, min, max) {
  return Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : min;
}
