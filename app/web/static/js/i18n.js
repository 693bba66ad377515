// Thai first, English on request. Dictionaries are plain modules; the choice is remembered.
import th from './i18n/th.js';
import en from './i18n/en.js';

const DICTIONARIES = { th, en };
const STORAGE_KEY = 'lms.lang';
let lang = localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'th';

export function getLang() {
  return lang;
}

export function setLang(next) {
  lang = next === 'en' ? 'en' : 'th';
  localStorage.setItem(STORAGE_KEY, lang);
  document.documentElement.lang = lang;
}

/** Translate a key, filling {name} placeholders. Unknown keys fall back to Thai, then the key. */
export function t(key, params = {}) {
  const text = DICTIONARIES[lang][key] ?? DICTIONARIES.th[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
}

const THAI = /[\u0E00-\u0E7F]/;

/**
 * The API writes messages people read as "English / ไทย". Show the half in the chosen
 * language: the split is the first " / " followed by Thai script (English titles may hold
 * slashes too). Text without such a split is shown whole.
 */
export function localise(text) {
  if (!text) return '';
  let from = 0;
  for (;;) {
    const at = text.indexOf(' / ', from);
    if (at < 0) return text;
    const rest = text.slice(at + 3);
    if (THAI.test(rest.charAt(0))) return lang === 'th' ? rest : text.slice(0, at);
    from = at + 3;
  }
}

/** A record's name in the chosen language: name_th / name_en, title_th / title_en. */
export function pick(record, base) {
  if (!record) return '';
  const thai = record[`${base}_th`];
  const english = record[`${base}_en`];
  return lang === 'en' ? english || thai || '' : thai || english || '';
}

const BANGKOK = 'Asia/Bangkok';

function locale() {
  return lang === 'en' ? 'en-GB' : 'th-TH';
}

/** "09:00" in Bangkok time. */
export function formatTime(iso) {
  return new Intl.DateTimeFormat(locale(), {
    timeZone: BANGKOK, hour: '2-digit', minute: '2-digit', hour12: false,
  }).format(new Date(iso));
}

/** A long date; Thai shows the Buddhist-Era year as Thai readers expect. */
export function formatDate(isoOrDay, { weekday = true } = {}) {
  const date = isoOrDay.length === 10 ? new Date(`${isoOrDay}T12:00:00+07:00`) : new Date(isoOrDay);
  return new Intl.DateTimeFormat(locale(), {
    timeZone: BANGKOK, weekday: weekday ? 'long' : undefined, day: 'numeric', month: 'long', year: 'numeric',
  }).format(date);
}

export function formatShortDate(day) {
  return new Intl.DateTimeFormat(locale(), {
    timeZone: BANGKOK, weekday: 'short', day: 'numeric', month: 'short',
  }).format(new Date(`${day}T12:00:00+07:00`));
}

export function formatNumber(value, digits = 0) {
  return new Intl.NumberFormat(locale(), {
    minimumFractionDigits: digits, maximumFractionDigits: digits,
  }).format(value);
}

export function formatPercent(rate) {
  if (rate === null || rate === undefined || Number.isNaN(rate)) return '—';
  return new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 1 }).format(rate);
}

/** Today's date in Bangkok as YYYY-MM-DD (whatever the device's time zone). */
export function bangkokToday() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: BANGKOK }).format(new Date());
}

/** YYYY-MM-DD plus n days. */
export function addDays(day, n) {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + n);
  return date.toISOString().slice(0, 10);
}

/** The Monday of the week containing `day`. */
export function mondayOf(day) {
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay(); // 0 = Sunday
  return addDays(day, weekday === 0 ? -6 : 1 - weekday);
}

/** A workshop's title; one planned without its own title goes by its module's. */
export function workshopTitle(workshop, module = workshop?.module) {
  return pick(workshop, 'title') || pick(module, 'title');
}

/** ป.5 in Thai, P5 in English. */
export function gradeName(grade) {
  if (!grade) return '';
  if (getLang() === 'en') return grade;
  return `${grade[0] === 'P' ? 'ป.' : 'ม.'}${grade.slice(1)}`;
}

/** ม.1/3 (M1/3 in English); the grade alone without a homeroom. */
export function className(grade, homeroom) {
  return homeroom ? `${gradeName(grade)}/${homeroom}` : gradeName(grade);
}
