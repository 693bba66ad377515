// A horizontal bar chart in plain SVG: one bar per group, sorted by rate, each with its value
// written beside it (the figure never relies on colour or length alone).
import { h } from './dom.js';
import { formatPercent, t } from './i18n.js';

const ROW = 26;
const LABEL = 190;
const BAR = 300;
const VALUE = 90;

/**
 * rows: [{label, rate}] (rate 0..1 or null). Returns a <figure> with an SVG of the bars,
 * highest rate first; groups without a rate are listed last without a bar. `threshold: null`
 * draws no guide and marks no bar as low (a rate with no agreed target).
 */
export function rateChart(rows, { caption, threshold = 0.8 } = {}) {
  const sorted = [...rows].sort((a, b) => (b.rate ?? -1) - (a.rate ?? -1));
  const width = LABEL + BAR + VALUE;
  const height = sorted.length * ROW + 24;
  const titleId = `chart-title-${Math.random().toString(36).slice(2)}`;
  const svg = h(
    'svg:svg',
    {
      viewBox: `0 0 ${width} ${height}`, width: '100%', class: 'chart', role: 'img',
      'aria-labelledby': titleId, preserveAspectRatio: 'xMinYMin meet',
    },
    h('svg:title', { id: titleId }, caption),
    // Threshold guide
    threshold === null ? null : [
      h('svg:line', {
        x1: LABEL + BAR * threshold, x2: LABEL + BAR * threshold, y1: 0, y2: height - 18,
        class: 'chart-threshold',
      }),
      h('svg:text', { x: LABEL + BAR * threshold, y: height - 4, class: 'chart-axis', 'text-anchor': 'middle' },
        `${t('chart.threshold')} ${formatPercent(threshold)}`),
    ],
    sorted.map((row, i) => {
      const y = i * ROW;
      const low = threshold !== null && row.rate !== null && row.rate !== undefined && row.rate < threshold;
      const value = row.rate === null || row.rate === undefined ? t('chart.noData') : formatPercent(row.rate);
      return h(
        'svg:g', { class: low ? 'chart-row is-low' : 'chart-row' },
        h('svg:text', { x: LABEL - 8, y: y + ROW / 2 + 5, 'text-anchor': 'end', class: 'chart-label' }, truncate(row.label, 26)),
        row.rate === null || row.rate === undefined
          ? null
          : h('svg:rect', {
            x: LABEL, y: y + 4, height: ROW - 8, width: Math.max(1, BAR * Math.min(1, row.rate)),
            class: low ? 'chart-bar chart-bar-low' : 'chart-bar', rx: 2,
          }),
        h('svg:text', { x: LABEL + BAR + 8, y: y + ROW / 2 + 5, class: 'chart-value' }, low ? `▼ ${value}` : value),
      );
    }),
  );
  return h('figure', { class: 'chart-figure' }, svg, h('figcaption', {}, caption, ' ',
    threshold === null ? null : h('span', { class: 'hint' }, t('chart.legend'))));
}

function truncate(text, max) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
