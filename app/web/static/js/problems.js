// API errors (problem+json) shown to people in plain words: title, detail and the message of
// each field, next to the field when the form has it. Never the raw JSON.
import { ApiError, NetworkError } from './api.js';
import { h, replace } from './dom.js';
import { getLang, localise, t } from './i18n.js';

const STATUS_KEYS = {
  400: 'error.400', 401: 'error.401', 403: 'error.403', 404: 'error.404', 409: 'error.409',
  413: 'error.413', 422: 'error.422', 429: 'error.429', 503: 'error.503',
};

const THAI = /[\u0E00-\u0E7F]/;

// Pydantic's error types (the `type` of each field error) -> words in both languages: its own
// messages are English only ("Input should be a valid integer").
const FIELD_TYPES = [
  [/^missing$|^string_too_short$/, 'field.missing'],
  [/^(int|float|decimal)_(parsing|type)$|^(int|float)_from_float$/, 'field.number'],
  [/^(greater_than|greater_than_equal)$/, 'field.tooSmall'],
  [/^(less_than|less_than_equal)$/, 'field.tooLarge'],
  [/^(string_too_long|too_long)$/, 'field.tooLong'],
  [/^(date|datetime|time)_/, 'field.date'],
  [/^(enum|literal_error)$/, 'field.choice'],
];
// The few plain English words services use as field messages.
const FIELD_WORDS = { required: 'field.missing', 'already used': 'field.duplicate' };

// A constraint's name in an English message ("(uq_students_school_code)") is for programs.
const INTERNAL = /\s*\((?:uq|fk|ck|ex|pk|ix)_[a-z0-9_]+\)/g;

/**
 * What a person reads from an API message: the half in the chosen language, without the
 * validator's "Value error, " prefix or constraint names. In the Thai interface a message the
 * API wrote in English only is replaced by `fallbackKey`'s words (or left out when there is
 * none): nothing English-only in the Thai interface.
 */
function readable(text, fallbackKey) {
  const shown = localise(String(text || '').replace(/^Value error,\s*/, '')).replace(INTERNAL, '').trim();
  if (getLang() === 'th' && shown && !THAI.test(shown)) return fallbackKey ? t(fallbackKey) : '';
  return shown;
}

function fieldKey(error) {
  const type = error.type || '';
  const found = FIELD_TYPES.find(([pattern]) => pattern.test(type));
  return found ? found[1] : FIELD_WORDS[String(error.message || '').trim()] || 'field.invalid';
}

/** { title, detail, fields: [{pointer, field, message}] } for any error the app meets. */
export function describe(error) {
  if (typeof error === 'string') return { title: error, detail: '', fields: [] };
  if (error instanceof NetworkError) {
    return { title: t('error.network.title'), detail: t('error.network'), fields: [] };
  }
  if (error instanceof ApiError) {
    const p = error.problem || {};
    let fields = Array.isArray(p.errors)
      ? p.errors.map((e) => ({
        pointer: e.pointer || '',
        field: e.field || '',
        message: readable(e.message, fieldKey(e)),
      }))
      : [];
    const statusText = t(STATUS_KEYS[error.status] || 'error.unknown');
    const title = (p.title && readable(p.title)) || statusText;
    let detail = p.detail ? readable(p.detail) : '';
    // A constraint's refusal names its field at the top level (`field: "capacity"`): the
    // detail is that field's message, so the form can show it under the field.
    if (!fields.length && typeof p.field === 'string' && p.field && detail) {
      fields = [{ pointer: `/body/${p.field}`, field: p.field, message: detail }];
    }
    // Validation details list raw field paths; the per-field list below says it better.
    if (error.status === 422 && fields.length && /^Invalid value for:/.test(p.detail || '')) {
      detail = t('error.422.detail');
    }
    return { title, detail, fields };
  }
  return { title: t('error.unknown'), detail: String(error?.message || error), fields: [] };
}

/** The label a person sees for a field the page shows (by pointer, or its nearest parent). */
function labelOnPage(pointer) {
  const wrapper = wrapperFor(document, pointer);
  if (!wrapper) return '';
  const label = wrapper.querySelector(':scope > label, :scope > legend, :scope > fieldset > legend');
  return label ? label.textContent.trim() : '';
}

/**
 * An alert box for an error; `labels` maps a field name or pointer to its label. A field the
 * page shows is named by its label; one it does not is listed by its message alone (the
 * API's field paths and ids are for programs). A message equal to the detail is not repeated.
 */
export function errorBox(error, { labels = {} } = {}) {
  const { title, detail, fields } = describe(error);
  const lines = fields
    .filter((f) => f.message && f.message !== detail)
    .map((f) => {
      const label = labels[f.pointer] || labels[f.field] || labelOnPage(f.pointer);
      return label ? `${label}: ${f.message}` : f.message;
    });
  return h(
    'div',
    { class: 'alert alert-error', role: 'alert' },
    h('span', { class: 'alert-icon', 'aria-hidden': 'true' }, '⚠'),
    h(
      'div',
      {},
      h('strong', {}, title),
      detail ? h('p', {}, detail) : null,
      lines.length ? h('ul', { class: 'field-errors' }, [...new Set(lines)].map((line) => h('li', {}, line))) : null,
    ),
  );
}

/** Put an error's message into a container (empty it with `null`). */
export function showError(container, error, options) {
  if (!error) {
    replace(container);
    return;
  }
  replace(container, errorBox(error, options));
}

/** Clear the messages next to a form's fields. */
export function clearFieldErrors(form) {
  for (const el of form.querySelectorAll('.field-error')) {
    el.hidden = true;
    el.textContent = '';
  }
  for (const el of form.querySelectorAll('[aria-invalid]')) {
    el.removeAttribute('aria-invalid');
    const describedBy = (el.getAttribute('aria-describedby') || '')
      .split(' ').filter((id) => id && !id.endsWith('-error')).join(' ');
    if (describedBy) el.setAttribute('aria-describedby', describedBy);
    else el.removeAttribute('aria-describedby');
  }
}

/**
 * Show each field error next to its field: the field whose data-pointer is the error's
 * pointer or the nearest parent of it (/body/sessions/0/starts_at → /body/sessions/0), with
 * aria-invalid on its control and the message tied to it; focus goes to the first invalid
 * control of the form. Returns the errors no field took.
 */
export function showFieldErrors(form, fieldErrors, messageFor = (e) => e.message) {
  const rest = [];
  for (const error of fieldErrors) {
    const wrapper = wrapperFor(form, error.pointer);
    // The wrapper's own box (a session row holds its fields' boxes too).
    const box = wrapper && (wrapper.querySelector(':scope > .field-error') || wrapper.querySelector('.field-error'));
    if (!box) {
      rest.push(error);
      continue;
    }
    const text = messageFor(error);
    if (!box.textContent.includes(text)) {
      box.textContent = box.textContent ? `${box.textContent} ${text}` : text;
    }
    box.hidden = false;
    const control = wrapper.querySelector('input:not([type=hidden]), select, textarea');
    if (control) {
      control.setAttribute('aria-invalid', 'true');
      const ids = new Set((control.getAttribute('aria-describedby') || '').split(' ').filter(Boolean));
      ids.add(box.id);
      control.setAttribute('aria-describedby', [...ids].join(' '));
    }
  }
  focusFirstInvalid(form);
  return rest;
}

/** Focus the form's first control marked invalid (in reading order); true when there is one. */
export function focusFirstInvalid(form) {
  const first = form.querySelector('[aria-invalid="true"]');
  if (first) first.focus();
  return Boolean(first);
}

function wrapperFor(root, pointer) {
  let path = pointer || '';
  while (path) {
    const wrapper = root.querySelector(`[data-pointer="${CSS.escape(path)}"]`);
    if (wrapper) return wrapper;
    path = path.slice(0, path.lastIndexOf('/'));
  }
  return null;
}
