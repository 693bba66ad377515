// A student's learner record: courses (modules done of total), module completions with their
// dates or reasons, outcomes achieved, attendance per workshop, the creators who taught them;
// plus the printable page (HTML) and the CSV as files (GET /api/v1/students/{id}/record; the
// fields are app/records/schemas.py's LearnerRecord), and the student's Open Badges
// certificates (GET /api/v1/students/{id}/credentials): verify, download for a wallet, print.
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { downloadFile, routeMissing } from '../download.js';
import {
  formatDate, formatNumber, formatPercent, getLang, pick, t,
} from '../i18n.js';
import { showError } from '../problems.js';

function nameOf(student) {
  const th = [student.first_name_th, student.last_name_th].filter(Boolean).join(' ');
  const en = [student.first_name_en, student.last_name_en].filter(Boolean).join(' ');
  return (getLang() === 'en' ? en || th : th || en) || student.student_code;
}

const day = (value) => (value ? formatDate(value, { weekday: false }) : '—');
const rate = (value) => (value === null || value === undefined ? t('chart.noData') : formatPercent(Number(value)));

export function render(main, { params }) {
  const studentId = Number(params.studentId);
  document.title = `${t('record.title')} · ${t('app.name')}`;
  const heading = h('h1', {}, t('record.title'));
  const errors = h('div');
  const files = h('div', { class: 'actions' });
  const fileResult = h('div', { role: 'status', aria: { live: 'polite' } });
  const body = h('div', { aria: { busy: 'true' } }, h('p', { class: 'loading' }, t('app.loading')));
  const badges = h('div');
  main.append(
    h('p', {}, h('a', { href: '#/enrolments', class: 'back', onclick: back }, '‹ ', t('record.back'))),
    heading, errors, body, badges, files, fileResult,
  );
  const controller = new AbortController();
  const signal = controller.signal;

  function back(event) {
    if (window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  }

  async function getFile(format) {
    replace(fileResult, h('p', { class: 'loading' }, '↻ ', t('export.working')));
    try {
      const { name, size } = await downloadFile(`/students/${studentId}/record`, { format, lang: getLang() }, {
        signal, fallbackName: `record-${studentId}.${format}`,
      });
      replace(fileResult, h('p', { class: 'alert alert-success' }, '✔ ', t('export.done', { name, size: formatNumber(Math.ceil(size / 1024)) })));
    } catch (error) {
      if (error.name === 'AbortError') return;
      replace(fileResult);
      if (routeMissing(error)) replace(fileResult, notAvailable());
      else showError(fileResult, error);
    }
  }

  async function printCertificate(credentialId) {
    replace(fileResult, h('p', { class: 'loading' }, '↻ ', t('export.working')));
    try {
      const { name, size } = await downloadFile(`/credentials/${credentialId}/certificate`, { lang: getLang() }, {
        signal, fallbackName: `certificate-${credentialId}.html`,
      });
      replace(fileResult, h('p', { class: 'alert alert-success' }, '✔ ', t('export.done', { name, size: formatNumber(Math.ceil(size / 1024)) })));
    } catch (error) {
      if (error.name === 'AbortError') return;
      replace(fileResult);
      showError(fileResult, error);
    }
  }

  api(`/students/${studentId}/credentials`, { signal })
    .then((listed) => replace(badges, credentials(listed.items, printCertificate)))
    .catch((error) => {
      if (error.name === 'AbortError' || routeMissing(error)) return;
      showError(badges, error);
    });

  api(`/students/${studentId}/record`, { query: { format: 'json', lang: getLang() }, signal })
    .then((record) => {
      body.removeAttribute('aria-busy');
      const student = record.student || {};
      heading.textContent = `${t('record.title')}: ${nameOf(student)}`;
      replace(body, facts(student), courses(record), modules(record), achieved(record), attendance(record), creators(record));
      replace(files,
        h('button', { type: 'button', class: 'secondary', onclick: () => getFile('html') }, '⇩ ', t('record.printable')),
        h('button', { type: 'button', class: 'secondary', onclick: () => getFile('csv') }, '⇩ ', t('record.csv')));
    })
    .catch((error) => {
      if (error.name === 'AbortError') return;
      body.removeAttribute('aria-busy');
      replace(body);
      if (routeMissing(error)) replace(body, notAvailable());
      else showError(errors, error);
    });

  return () => controller.abort();
}

function notAvailable() {
  return h('p', { class: 'alert alert-info' }, 'ℹ ', t('record.notAvailable'));
}

function facts(student) {
  const school = student.school;
  return h('dl', { class: 'facts card' },
    h('dt', {}, t('enrol.code')), h('dd', {}, student.student_code),
    h('dt', {}, t('enrol.grade')), h('dd', {}, student.grade_level),
    h('dt', {}, t('dept.school')), h('dd', {}, `${school.code} ${pick(school, 'name')}`));
}

function section(id, title, rows, content) {
  return h('section', { aria: { labelledby: id } },
    h('h2', { id }, title),
    rows.length ? content() : h('p', { class: 'empty' }, t('record.none')));
}

function simpleTable(labelledBy, headers, rows) {
  return h('div', { class: 'table-wrap' }, h('table', { aria: { labelledby: labelledBy } },
    h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((c, i) => (i === 0 ? h('th', { scope: 'row' }, c) : h('td', {}, c))))))));
}

function courses(record) {
  const rows = record.courses;
  return section('record-courses', t('record.courses'), rows, () => simpleTable('record-courses',
    [t('record.course'), t('record.modulesDone'), t('record.completedOn')],
    rows.map((c) => [
      `${c.code} ${pick(c, 'title')}`,
      t('record.doneOf', { done: c.modules_completed, total: c.modules_total }),
      day(c.completed_on),
    ])));
}

function reasonsText(reasons) {
  return reasons.map((r) => (getLang() === 'en' ? r.en : r.th)).join(', ');
}

function verdict(m) {
  if (m.status === 'in_progress') return t('record.inProgress');
  const done = m.status === 'completed';
  return h('span', { class: `state ${done ? 'state-done' : 'state-cancelled'}` },
    h('span', { 'aria-hidden': 'true' }, done ? '✔ ' : '✘ '),
    t(done ? 'close.completed' : 'close.incomplete'), done ? '' : ` · ${reasonsText(m.reasons)}`);
}

function modules(record) {
  const rows = record.modules;
  return section('record-modules', t('record.modules'), rows, () => simpleTable('record-modules',
    [t('record.module'), t('record.verdict'), t('record.completedOn'), t('dept.rate')],
    rows.map((m) => [
      `${m.module_code} ${pick(m, 'module_title')}`,
      verdict(m),
      day(m.completed_on),
      rate(m.attendance.rate),
    ])));
}

function achieved(record) {
  const rows = record.modules.flatMap((m) => m.outcomes_achieved);
  return section('record-outcomes', t('record.outcomes'), rows, () => h('ul', { class: 'plain-list' },
    rows.map((o) => h('li', {}, h('strong', {}, o.code), ' ', pick(o, 'title')))));
}

function attendance(record) {
  const rows = record.modules;
  return section('record-attendance', t('record.attendance'), rows, () => simpleTable('record-attendance',
    [t('dept.workshops'), t('dept.rate')],
    rows.map((m) => [`${pick(m, 'workshop_title') || m.module_code} (${m.term})`, rate(m.attendance.rate)])));
}

function creators(record) {
  const rows = record.creators;
  return section('record-creators', t('record.creators'), rows, () => h('ul', { class: 'plain-list' },
    rows.map((c) => h('li', {}, `${c.display_name} (@${c.handle})`))));
}

function credentials(items, printCertificate) {
  return section('record-credentials', t('record.credentials'), items, () => h('ul', { class: 'plain-list' },
    items.map((c) => h('li', {},
      h('strong', {}, `${c.course.code} ${pick(c.course, 'title')}`), ' · ', day(c.awarded_on), ' · ',
      h('span', { class: `state ${c.status === 'valid' ? 'state-done' : 'state-cancelled'}` }, t(`record.credential.${c.status}`)),
      h('div', { class: 'actions' },
        h('a', { href: c.links.verify, target: '_blank', rel: 'noopener' }, t('record.credential.verify')),
        h('a', { href: c.links.jwt, download: '' }, '⇩ ', t('record.credential.jwt')),
        h('a', { href: c.links.json, target: '_blank', rel: 'noopener' }, t('record.credential.json')),
        h('button', { type: 'button', class: 'secondary', onclick: () => printCertificate(c.id) }, '⇩ ', t('record.credential.print')))))));
}
