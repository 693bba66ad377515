// Adding students to a workshop (issue 18): a search (name, code prefix, or a class typed as
// ม.1/3) whose results stay after an enrolment, with a checkbox each and one "enrol selected"
// button; a whole class (grade + room); pasted student codes, naming the codes not found.
// Every way ends in one POST /workshops/{id}/enrolments: the server places the batch in order
// under the workshop's lock, so the seats and the waitlist stay exact.
import { api } from '../api.js';
import { field, h, replace } from '../dom.js';
import {
  className, gradeName, getLang, t,
} from '../i18n.js';
import { showError } from '../problems.js';

const GRADES = ['P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'M1', 'M2', 'M3', 'M4', 'M5', 'M6'];
const MAX_BATCH = 500; // the API's limit per request
const SEARCH_LIMIT = 50;
// A class typed into the search box: ม.1/3, ม1/3, M1/3, p.5 / 2.
const CLASS_QUERY = /^(ป|ม|p|m)\s*\.?\s*([1-6])\s*\/\s*([0-9a-zก-๙]{1,10})$/iu;

/** The homeroom as the API stores it: "03" is 3, "ep" is EP. */
function normaliseHomeroom(text) {
  const value = text.trim().toUpperCase();
  return /^[0-9]+$/.test(value) ? value.replace(/^0+(?=.)/, '') : value;
}

/** { grade_level, homeroom } for a class typed as ม.1/3 or M1/3, else null. */
export function parseClass(text) {
  const match = CLASS_QUERY.exec(text.trim());
  if (!match) return null;
  const level = /^(ป|p)$/iu.test(match[1]) ? 'P' : 'M';
  return { grade_level: `${level}${match[2]}`, homeroom: normaliseHomeroom(match[3]) };
}

/** The codes of a pasted list, separated by spaces, commas, semicolons or new lines; once each. */
export function parseCodes(text) {
  return [...new Set(text.split(/[\s,;，、]+/u).map((code) => code.trim()).filter(Boolean))];
}

function studentName(student) {
  return getLang() === 'en'
    ? `${student.first_name_en || student.first_name_th} ${student.last_name_en || student.last_name_th}`
    : `${student.first_name_th} ${student.last_name_th}`;
}

/**
 * The add panel of one workshop. `enrol(body)` posts an enrolment request and resolves with
 * the results once the lists are redrawn (it throws the API's error); `update(onList)` marks
 * the students now on the list. Built once per workshop: redrawing the lists leaves it alone.
 */
export function addPanel({ enrol, signal }) {
  let onList = new Set();
  const search = searchCard();
  const group = classCard();
  const paste = pasteCard();
  const element = h(
    'section', { class: 'enrol-add', aria: { labelledby: 'enrol-add-heading' } },
    h('h2', { id: 'enrol-add-heading' }, t('enrol.add')),
    search.element, group.element, paste.element,
  );
  return {
    element,
    update(ids) {
      onList = ids;
      search.redraw();
    },
  };

  // ---- search, with a checkbox per student ------------------------------------------------
  function searchCard() {
    const input = h('input', { type: 'search', name: 'q', minlength: '1', maxlength: '100', autocomplete: 'off' });
    const note = h('p', { class: 'hint', role: 'status', aria: { live: 'polite' } });
    const list = h('ul', { class: 'results enrol-results', aria: { label: t('enrol.results') } });
    const errors = h('div');
    const chosen = new Map(); // student id -> student, in the order of the results
    let found = [];
    const selectAll = h('button', { type: 'button', class: 'secondary', onclick: toggleAll, hidden: true }, t('enrol.selectAll'));
    const enrolSelected = h('button', { type: 'button', class: 'primary', onclick: submitSelected, disabled: true }, t('enrol.enrolSelected', { n: 0 }));
    const form = h(
      'form', { class: 'card search-form', role: 'search' },
      h('h3', {}, t('enrol.findTitle')),
      h('div', { class: 'inline-form' },
        field(t('enrol.search'), input, { hint: t('enrol.searchHint') }),
        h('button', { type: 'submit', class: 'secondary' }, t('enrol.find'))),
      note, list,
      h('div', { class: 'enrol-bar' }, selectAll, enrolSelected),
      errors,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const q = input.value.trim();
      if (!q) return;
      const typedClass = parseClass(q);
      run(typedClass ? { ...typedClass } : { q }, typedClass ? className(typedClass.grade_level, typedClass.homeroom) : q);
    });

    async function run(filters, label) {
      showError(errors, null);
      replace(note, t('app.loading'));
      try {
        const page = await api('/students', { query: { ...filters, status: 'active', limit: SEARCH_LIMIT }, signal });
        found = page.items;
        chosen.clear();
        replace(note, found.length
          ? t(page.total > found.length ? 'enrol.foundSome' : 'enrol.found', { n: page.total, shown: found.length, what: label })
          : t('enrol.noMatch'));
        redraw();
      } catch (error) {
        if (error.name === 'AbortError') return;
        replace(note);
        showError(errors, error);
      }
    }

    function redraw() {
      for (const id of [...chosen.keys()]) if (onList.has(id)) chosen.delete(id);
      replace(list, found.map((student) => row(student)));
      const open = found.filter((s) => !onList.has(s.id));
      selectAll.hidden = open.length < 2;
      replace(selectAll, t(open.length && open.every((s) => chosen.has(s.id)) ? 'enrol.selectNone' : 'enrol.selectAll'));
      enrolSelected.disabled = chosen.size === 0;
      replace(enrolSelected, t('enrol.enrolSelected', { n: chosen.size }));
      enrolSelected.hidden = open.length === 0;
    }

    function row(student) {
      const name = studentName(student);
      const text = `${student.student_code} · ${name} · ${className(student.grade_level, student.homeroom)}`;
      if (onList.has(student.id)) {
        return h('li', { dataset: { studentId: String(student.id) } },
          h('span', { class: 'enrol-pick' }, h('span', {}, text)),
          h('span', { class: 'state state-done' }, '✔ ', t('enrol.already')));
      }
      const box = h('input', {
        type: 'checkbox',
        checked: chosen.has(student.id),
        onchange: () => {
          if (box.checked) chosen.set(student.id, student);
          else chosen.delete(student.id);
          redraw();
          list.querySelector(`[data-student-id="${student.id}"] input`)?.focus();
        },
      });
      return h('li', { dataset: { studentId: String(student.id) } },
        h('label', { class: 'enrol-pick' }, box, h('span', {}, text)));
    }

    function toggleAll() {
      const open = found.filter((s) => !onList.has(s.id));
      const all = open.every((s) => chosen.has(s.id));
      for (const student of open) {
        if (all) chosen.delete(student.id);
        else chosen.set(student.id, student);
      }
      redraw();
    }

    async function submitSelected() {
      // In the order shown: the server gives seats in the order sent.
      const ids = found.filter((s) => chosen.has(s.id)).map((s) => s.id);
      if (!ids.length) return;
      showError(errors, null);
      enrolSelected.disabled = true;
      try {
        await enrol({ student_ids: ids });
      } catch (error) {
        showError(errors, error);
      } finally {
        redraw();
      }
    }

    return { element: form, redraw, run };
  }

  // ---- a whole class ---------------------------------------------------------------------
  function classCard() {
    const grade = h('select', { name: 'grade_level' },
      h('option', { value: '' }, t('enrol.chooseGrade')),
      GRADES.map((g) => h('option', { value: g }, gradeName(g))));
    const rooms = h('datalist', { id: 'enrol-homerooms' },
      Array.from({ length: 12 }, (_, i) => h('option', { value: String(i + 1) })));
    const homeroom = h('input', {
      type: 'text', name: 'homeroom', inputmode: 'numeric', maxlength: '10', autocomplete: 'off',
      list: 'enrol-homerooms', class: 'homeroom-entry',
    });
    const errors = h('div');
    const show = h('button', { type: 'button', class: 'secondary', onclick: showClass }, t('enrol.showClass'));
    const form = h(
      'form', { class: 'card' },
      h('h3', {}, t('enrol.classTitle')),
      h('div', { class: 'inline-form' },
        field(t('enrol.grade'), grade),
        field(t('enrol.homeroom'), homeroom, { hint: t('enrol.homeroomHint') }),
        rooms),
      h('div', { class: 'enrol-bar' },
        h('button', { type: 'submit', class: 'primary' }, t('enrol.enrolClass')), show),
      errors,
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const group = chosenClass();
      if (!group) return;
      try {
        await enrol({ class_group: group });
      } catch (error) {
        showError(errors, error);
      }
    });

    function chosenClass() {
      showError(errors, null);
      const group = { grade_level: grade.value, homeroom: normaliseHomeroom(homeroom.value) };
      if (!group.grade_level || !group.homeroom) {
        showError(errors, t('enrol.classMissing'));
        (group.grade_level ? homeroom : grade).focus();
        return null;
      }
      return group;
    }

    function showClass() {
      const group = chosenClass();
      if (!group) return;
      search.run(group, className(group.grade_level, group.homeroom));
      search.element.scrollIntoView({ block: 'start' });
    }

    return { element: form };
  }

  // ---- pasted student codes --------------------------------------------------------------
  function pasteCard() {
    const codes = h('textarea', { name: 'student_codes', rows: '4', class: 'enrol-codes', spellcheck: 'false', autocomplete: 'off' });
    const errors = h('div');
    const form = h(
      'form', { class: 'card' },
      h('h3', {}, t('enrol.pasteTitle')),
      field(t('enrol.codes'), codes, { hint: t('enrol.codesHint') }),
      h('div', { class: 'enrol-bar' }, h('button', { type: 'submit', class: 'primary' }, t('enrol.enrolCodes'))),
      errors,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      submit(parseCodes(codes.value));
    });

    async function submit(list) {
      showError(errors, null);
      if (!list.length) {
        showError(errors, t('enrol.codesMissing'));
        codes.focus();
        return;
      }
      if (list.length > MAX_BATCH) {
        showError(errors, t('enrol.tooMany', { n: list.length, max: MAX_BATCH }));
        return;
      }
      try {
        await enrol({ student_codes: list });
        codes.value = '';
      } catch (error) {
        const unknown = error.problem?.student_codes;
        if (Array.isArray(unknown) && unknown.length) notFound(list, unknown);
        else showError(errors, error);
      }
    }

    // Nothing was enrolled: the server refuses the whole list. Name the codes, and offer to
    // enrol the others.
    function notFound(list, unknown) {
      const missing = new Set(unknown);
      const rest = list.filter((code) => !missing.has(code));
      replace(errors, h(
        'div', { class: 'alert alert-error', role: 'alert' },
        h('span', { class: 'alert-icon', 'aria-hidden': 'true' }, '⚠'),
        h('div', {},
          h('strong', {}, t('enrol.codesNotFound', { n: unknown.length })),
          h('ul', { class: 'code-list' }, unknown.map((code) => h('li', {}, code))),
          h('p', {}, t('enrol.nobodyEnrolled')),
          rest.length
            ? h('button', {
              type: 'button',
              class: 'secondary',
              onclick: () => {
                codes.value = rest.join('\n');
                submit(rest);
              },
            }, t('enrol.enrolFound', { n: rest.length }))
            : null),
      ));
    }

    return { element: form };
  }
}
