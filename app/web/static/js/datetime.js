// Thai-friendly date and time entry, in place of <input type=date>/<input type=time>: the
// browser's own pickers follow the device's locale (month first, Gregorian, "AM/PM" on many
// tablets) and cannot show a Buddhist-Era year. Here a person types day/month/year and a
// 24-hour time; the value the pages send to the API stays ISO 8601 (YYYY-MM-DD, HH:MM).
//
// Calendar: Thai shows the Buddhist Era (2569), as Thai school documents do. English shows the
// Gregorian year: an English reader in Thailand (a foreign teacher, an agency's staff) reads
// dates in CE, and the English interface already writes dates in CE (en-GB, day first). A
// four-digit year past 2300 is read as BE in either language, because a Thai teacher who
// switched to English still often types the BE year, and no school date is that far in CE.
import { field, h, uid } from './dom.js';
import { getLang, t } from './i18n.js';

const BE_OFFSET = 543;
// The API's dates lie in 2000-2100 (CE); nothing else is a school day.
const MIN_YEAR = 2000;
const MAX_YEAR = 2100;

const pad = (n) => String(n).padStart(2, '0');
const usesBE = () => getLang() === 'th';

/** The year as shown in the current language: BE in Thai, CE in English. */
export function displayYear(ceYear) {
  return usesBE() ? ceYear + BE_OFFSET : ceYear;
}

/** "2026-12-04" → "04/12/2569" (Thai) or "04/12/2026" (English); '' for no date. */
export function formatDateEntry(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || '');
  return m ? `${m[3]}/${m[2]}/${displayYear(Number(m[1]))}` : '';
}

/** "2026-12-04" → "4 ธ.ค. 2569" / "4 Dec 2026": what the typed digits mean, in words. */
export function formatDateWords(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || '');
  if (!m) return '';
  const month = t(`date.monthShort.${Number(m[2])}`);
  return `${Number(m[3])} ${month} ${displayYear(Number(m[1]))}`;
}

function daysIn(year, month) {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Read a typed date: "4/12/2569", "04-12-2026", "04.12.2569", "04122569", or an ISO date
 * (pasted from a file). Returns { iso } or { error } with a message for the person.
 */
export function parseDateEntry(text) {
  const raw = (text || '').trim();
  if (!raw) return { iso: '' };
  let day;
  let month;
  let year;
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(raw);
  if (m) {
    [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  } else if ((m = /^(\d{1,2})\s*[/.\-\s]\s*(\d{1,2})\s*[/.\-\s]\s*(\d+)$/.exec(raw))) {
    [day, month, year] = [Number(m[1]), Number(m[2]), m[3]];
  } else if ((m = /^(\d{2})(\d{2})(\d{4})$/.exec(raw))) {
    [day, month, year] = [Number(m[1]), Number(m[2]), m[3]];
  } else {
    return { error: t('date.badFormat', { example: formatDateEntry(exampleDay()) }) };
  }
  if (typeof year === 'string') {
    if (year.length !== 4) return { error: t('date.yearDigits') };
    year = Number(year);
  }
  if (year > 2300) year -= BE_OFFSET;
  if (month < 1 || month > 12) return { error: t('date.badMonth', { month }) };
  if (year < MIN_YEAR || year > MAX_YEAR) {
    return { error: t('date.badYear', { from: displayYear(MIN_YEAR), to: displayYear(MAX_YEAR) }) };
  }
  if (day < 1 || day > daysIn(year, month)) {
    return {
      error: t('date.noSuchDay', {
        day, month: t(`date.month.${month}`), year: displayYear(year), last: daysIn(year, month),
      }),
    };
  }
  return { iso: `${year}-${pad(month)}-${pad(day)}` };
}

/** Read a typed 24-hour time: "9:00", "09.00", "0900", "13:30 น.". { value } or { error }. */
export function parseTimeEntry(text) {
  const raw = (text || '').trim().replace(/\s*(น\.|นาฬิกา)$/, '');
  if (!raw) return { value: '' };
  const m = /^(\d{1,2})(?:\s*[:.]\s*(\d{2})|(\d{2}))?$/.exec(raw);
  if (!m) return { error: t('date.time.badFormat') };
  const hour = Number(m[1]);
  const minute = Number(m[2] ?? m[3] ?? 0);
  if (hour > 23 || minute > 59) return { error: t('date.time.badFormat') };
  return { value: `${pad(hour)}:${pad(minute)}` };
}

// A mistyped field says so when it is left; but left by pressing a button, the message would
// push that button down between press and release, and the tap would miss it. While a pointer
// is down the message waits for its release (the button's click, a submit, runs first).
let pointerDown = false;
document.addEventListener('pointerdown', () => { pointerDown = true; }, true);
document.addEventListener('pointerup', () => { setTimeout(() => { pointerDown = false; }, 0); }, true);
document.addEventListener('pointercancel', () => { pointerDown = false; }, true);

function whenPointerReleased(fn) {
  if (!pointerDown) {
    fn();
    return;
  }
  document.addEventListener('pointerup', () => setTimeout(fn, 0), { once: true, capture: true });
}

function exampleDay() {
  return '2026-12-04';
}

/**
 * A labelled day/month/year input. Returns { wrapper, input, value (ISO, '' when empty or
 * invalid), setValue(iso), check() → true when the entry is a valid date or empty and not
 * required }. The wrapper is a dom.field(): `pointer` lets problems.showFieldErrors place the
 * API's messages under it.
 */
export function dateField(labelText, { name, value = '', required = false, pointer } = {}) {
  const input = h('input', {
    type: 'text', name, id: uid('date'), inputmode: 'numeric', autocomplete: 'off',
    spellcheck: 'false', required, class: 'date-entry', maxlength: '10',
    placeholder: t('date.placeholder'),
  });
  const wrapper = field(labelText, input, {
    pointer, hint: t('date.hint', { example: formatDateEntry(exampleDay()) }),
  });
  // The date in words, so "04/12" can never be read as April: read out with the hint.
  const words = h('p', { class: 'hint date-words', id: `${input.id}-words`, aria: { live: 'polite' } });
  wrapper.querySelector('.field-error').before(words);
  input.setAttribute('aria-describedby', `${input.id}-hint ${words.id}`);
  let iso = '';

  const api = {
    wrapper,
    input,
    get value() { return iso; },
    setValue(next) {
      iso = /^\d{4}-\d{2}-\d{2}$/.test(next || '') ? next : '';
      input.value = formatDateEntry(iso);
      words.textContent = formatDateWords(iso);
      setError(wrapper, input, null);
    },
    check() {
      const result = parseDateEntry(input.value);
      if (result.error) {
        iso = '';
        words.textContent = '';
        setError(wrapper, input, result.error);
        return false;
      }
      if (!result.iso && required) {
        iso = '';
        words.textContent = '';
        setError(wrapper, input, t('date.required'));
        return false;
      }
      api.setValue(result.iso);
      return true;
    },
  };
  api.setValue(value);
  input.addEventListener('change', () => whenPointerReleased(() => api.check()));
  // Arrow keys step a valid date by a day, as the native date input does.
  input.addEventListener('keydown', (event) => {
    if ((event.key !== 'ArrowUp' && event.key !== 'ArrowDown') || event.altKey) return;
    if (!api.check() || !iso) return;
    event.preventDefault();
    const next = new Date(`${iso}T00:00:00Z`);
    next.setUTCDate(next.getUTCDate() + (event.key === 'ArrowUp' ? 1 : -1));
    api.setValue(next.toISOString().slice(0, 10));
  });
  return api;
}

/** A labelled 24-hour HH:MM input: { wrapper, input, value ('' when invalid), setValue, check }. */
export function timeField(labelText, { name, value = '', required = false, pointer } = {}) {
  const input = h('input', {
    type: 'text', name, id: uid('time'), inputmode: 'numeric', autocomplete: 'off',
    spellcheck: 'false', required, class: 'time-entry', maxlength: '8', placeholder: t('date.time.placeholder'),
  });
  const wrapper = field(labelText, input, { pointer, hint: t('date.time.hint') });
  let current = '';
  const api = {
    wrapper,
    input,
    get value() { return current; },
    setValue(next) {
      current = /^\d{2}:\d{2}$/.test(next || '') ? next : '';
      input.value = current;
      setError(wrapper, input, null);
    },
    check() {
      const result = parseTimeEntry(input.value);
      if (result.error || (!result.value && required)) {
        current = '';
        setError(wrapper, input, result.error || t('date.time.required'));
        return false;
      }
      api.setValue(result.value);
      return true;
    },
  };
  api.setValue(value);
  input.addEventListener('change', () => whenPointerReleased(() => api.check()));
  return api;
}

// The field's own message box (dom.field's .field-error), tied to the input while it shows.
function setError(wrapper, input, message) {
  // A session row of the workshop form has one message box for the whole row, not one per
  // field: the row's box then says it (problems.showFieldErrors fills the row's).
  const box = wrapper.querySelector('.field-error')
    || wrapper.closest('[data-pointer]')?.querySelector(':scope > .field-error');
  const ids = new Set((input.getAttribute('aria-describedby') || '').split(' ').filter(Boolean));
  if (!box) return;
  if (message) {
    box.textContent = message;
    box.hidden = false;
    input.setAttribute('aria-invalid', 'true');
    ids.add(box.id);
  } else {
    box.textContent = '';
    box.hidden = true;
    input.removeAttribute('aria-invalid');
    ids.delete(box.id);
  }
  input.setAttribute('aria-describedby', [...ids].join(' '));
}
