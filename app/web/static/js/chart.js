// A horizontal bar chart in plain SVG: one bar per group, sorted by rate, each with its value
// written beside it (the figure never relies on colour or length alone).
//
// The SVG is drawn at the figure's own width in CSS pixels (viewBox = width), and drawn again
// when that width changes: a fixed viewBox scaled down to a phone made 13 px labels about 8 px
// tall. Narrow figures put each label on its own line above its bar.
import { h, replace } from './dom.js';
import { formatPercent, t } from './i18n.js';

const ROW = 28;
const NARROW_ROW = 46;
const NARROW = 420; // below this width, a label above its bar
const VALUE = 84;
const AXIS = 24;
// Average advance of a 13 px character (Thai and Latin), to cut labels before they collide.
const CHAR = 7.2;
const DEFAULT_WIDTH = 580;

/**
 * rows: [{label, rate}] (rate 0..1 or null). Returns a <figure> with an SVG of the bars,
 * highest rate first; groups without a rate are listed last without a bar. `threshold: null`
 * draws no guide and marks no bar as low (a rate with no agreed target).
 */
export function rateChart(rows, { caption, threshold = 0.8 } = {}) {
  const sorted = [...rows].sort((a, b) => (b.rate ?? -1) - (a.rate ?? -1));
  const titleId = `chart-title-${Math.random().toString(36).slice(2)}`;
  const svg = h('svg:svg', {
    class: 'chart', role: 'img', 'aria-labelledby': titleId, preserveAspectRatio: 'xMinYMin meet',
  });
  const figure = h('figure', { class: 'chart-figure' }, svg, h('figcaption', {}, caption, ' ',
    threshold === null ? null : h('span', { class: 'hint' }, t('chart.legend'))));
  let drawnWidth = 0;
  const draw = (width) => {
    const w = Math.max(240, Math.floor(width));
    if (w === drawnWidth) return;
    drawnWidth = w;
    drawChart(svg, sorted, { width: w, caption, titleId, threshold });
  };
  draw(DEFAULT_WIDTH);
  if (typeof ResizeObserver === 'function') {
    new ResizeObserver((entries) => {
      const box = entries[0]?.contentRect;
      if (box && box.width > 0) draw(Math.min(box.width, 760));
    }).observe(figure);
  }
  return figure;
}

function drawChart(svg, sorted, { width, caption, titleId, threshold }) {
  const narrow = width < NARROW;
  const label = narrow ? 0 : Math.min(220, Math.round(width * 0.34));
  const bar = width - label - VALUE;
  const rowHeight = narrow ? NARROW_ROW : ROW;
  const height = sorted.length * rowHeight + AXIS;
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  const maxChars = Math.max(8, Math.floor((narrow ? width : label - 10) / CHAR));
  replace(
    svg,
    h('svg:title', { id: titleId }, caption),
    threshold === null ? null : [
      h('svg:line', {
        x1: label + bar * threshold, x2: label + bar * threshold, y1: 0, y2: height - AXIS + 4,
        class: 'chart-threshold',
      }),
      h('svg:text', { x: label + bar * threshold, y: height - 6, class: 'chart-axis', 'text-anchor': 'middle' },
        `${t('chart.threshold')} ${formatPercent(threshold)}`),
    ],
    sorted.map((row, i) => {
      const y = i * rowHeight;
      const barY = narrow ? y + 22 : y + 5;
      const rated = row.rate !== null && row.rate !== undefined;
      const low = threshold !== null && rated && row.rate < threshold;
      const value = rated ? formatPercent(row.rate) : t('chart.noData');
      return h(
        'svg:g', { class: low ? 'chart-row is-low' : 'chart-row' },
        narrow
          ? h('svg:text', { x: 0, y: y + 16, class: 'chart-label' }, truncate(row.label, maxChars))
          : h('svg:text', { x: label - 8, y: y + ROW / 2 + 5, 'text-anchor': 'end', class: 'chart-label' }, truncate(row.label, maxChars)),
        rated
          ? h('svg:rect', {
            x: label, y: barY, height: ROW - 10, width: Math.max(1, bar * Math.min(1, row.rate)),
            class: low ? 'chart-bar chart-bar-low' : 'chart-bar', rx: 2,
          })
          : null,
        h('svg:text', { x: label + bar + 8, y: barY + (ROW - 10) / 2 + 5, class: 'chart-value' }, low ? `▼ ${value}` : value),
      );
    }),
  );
}

function truncate(text, max) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
