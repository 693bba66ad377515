// API errors (problem+json) shown to people in plain words: title, detail and the message of
// each field, next to the field when the form has it. Never the raw JSON.
import { ApiError, NetworkError } from './api.js';
import { h, replace } from './dom.js';
import { localise, t } from './i18n.js';

const STATUS_KEYS = {
  400: 'error.400', 401: 'error.401', 403: 'error.403', 404: 'error.404', 409: 'error.409',
  413: 'error.413', 422: 'error.422', 429: 'error.429', 503: 'error.503',
};

/** { title, detail, fields: [{pointer, field, message}] } for any error the app meets. */
export function describe(error) {
  if (typeof error === 'string') return { title: error, detail: '', fields: [] };
  if (error instanceof NetworkError) {
    return { title: t('error.network.title'), detail: t('error.network'), fields: [] };
  }
  if (error instanceof ApiError) {
    const p = error.problem;
    const fields = Array.isArray(p.errors)
      ? p.errors.map((e) => ({
        pointer: e.pointer || '',
        field: e.field || '',
        message: localise(e.message || ''),
      }))
      : [];
    const title = p.title ? localise(p.title) : t(STATUS_KEYS[error.status] || 'error.unknown');
    let detail = p.detail ? localise(p.detail) : '';
    // Validation details list raw field paths; the per-field list below says it better.
    if (error.status === 422 && fields.length && /^Invalid value for:/.test(p.detail || '')) {
      detail = t('error.422.detail');
    }
    return { title, detail, fields };
  }
  return { title: t('error.unknown'), detail: String(error?.message || error), fields: [] };
}

/** An alert box for an error; `labels` maps a field name or pointer to its label. */
export function errorBox(error, { labels = {} } = {}) {
  const { title, detail, fields } = describe(error);
  return h(
    'div',
    { class: 'alert alert-error', role: 'alert' },
    h('span', { class: 'alert-icon', 'aria-hidden': 'true' }, '⚠'),
    h(
      'div',
      {},
      h('strong', {}, title),
      detail ? h('p', {}, detail) : null,
      fields.length
        ? h(
          'ul',
          { class: 'field-errors' },
          fields.map((f) => h('li', {}, `${labels[f.pointer] || labels[f.field] || f.field}: ${f.message}`)),
        )
        : null,
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
 * pointer or the nearest parent of it (/body/sessions/0/starts_at → /body/sessions/0).
 * Returns the errors no field took.
 */
export function showFieldErrors(form, fieldErrors, messageFor = (e) => e.message) {
  const rest = [];
  let first = null;
  for (const error of fieldErrors) {
    const wrapper = wrapperFor(form, error.pointer);
    if (!wrapper) {
      rest.push(error);
      continue;
    }
    const box = wrapper.querySelector('.field-error');
    if (!box) {
      rest.push(error);
      continue;
    }
    const text = messageFor(error);
    box.textContent = box.textContent ? `${box.textContent} ${text}` : text;
    box.hidden = false;
    const control = wrapper.querySelector('input, select, textarea');
    if (control) {
      control.setAttribute('aria-invalid', 'true');
      const ids = new Set((control.getAttribute('aria-describedby') || '').split(' ').filter(Boolean));
      ids.add(box.id);
      control.setAttribute('aria-describedby', [...ids].join(' '));
      first = first || control;
    }
  }
  if (first) first.focus();
  return rest;
}

function wrapperFor(form, pointer) {
  let path = pointer || '';
  while (path) {
    const wrapper = form.querySelector(`[data-pointer="${CSS.escape(path)}"]`);
    if (wrapper) return wrapper;
    path = path.slice(0, path.lastIndexOf('/'));
  }
  return null;
}
