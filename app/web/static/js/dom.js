// Tiny DOM helpers. Text always goes in as text nodes (never innerHTML), so names from the
// API cannot inject markup, and nothing here needs inline scripts or style attributes (CSP).

/**
 * Create an element: h('button', {type: 'button', onclick: fn, class: 'x'}, 'text', child).
 * Attributes starting with "on" become event listeners; `dataset` and `aria` objects expand;
 * `false`/`null`/`undefined` attributes are left out.
 */
export function h(tag, attrs = {}, ...children) {
  const svg = tag.startsWith('svg:');
  const el = svg
    ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4))
    : document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (name === 'dataset') {
      Object.assign(el.dataset, value);
    } else if (name === 'aria') {
      for (const [k, v] of Object.entries(value)) {
        if (v !== null && v !== undefined && v !== false) el.setAttribute(`aria-${k}`, String(v));
      }
    } else if (name === 'value' && !svg) {
      el.value = value;
    } else if (name === 'checked' || name === 'selected' || name === 'disabled' || name === 'hidden') {
      el[name] = Boolean(value);
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace an element's children. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let uniqueCounter = 0;
/** A fresh id for label/field pairs. */
export function uid(prefix = 'f') {
  uniqueCounter += 1;
  return `${prefix}-${uniqueCounter}`;
}

/** A labelled field: <div class="field"><label for>..</label>control<p class="field-error"></div>. */
export function field(labelText, control, { hint, pointer } = {}) {
  if (!control.id) control.id = uid('field');
  const hintEl = hint ? h('p', { class: 'hint', id: `${control.id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  const wrapper = h(
    'div',
    { class: 'field', dataset: pointer ? { pointer } : undefined },
    h('label', { for: control.id }, labelText),
    control,
    hintEl,
    h('p', { class: 'field-error', id: `${control.id}-error`, hidden: true, role: 'alert' }),
  );
  return wrapper;
}

/** Announce a message to screen readers (polite live region). */
export function announce(message) {
  const region = document.getElementById('announcer');
  if (region) {
    region.textContent = '';
    // A separate task so the same message twice is still announced.
    setTimeout(() => { region.textContent = message; }, 30);
  }
}

const FLASH_KEY = 'lms.flash';

/** A message for the next page to show once (e.g. "workshop planned" after a redirect). */
export function setFlash(text) {
  sessionStorage.setItem(FLASH_KEY, text);
}

/** The waiting flash message as a success box, or null; shown once. */
export function takeFlash() {
  const text = sessionStorage.getItem(FLASH_KEY);
  if (!text) return null;
  sessionStorage.removeItem(FLASH_KEY);
  return h('p', { class: 'alert alert-success', role: 'status' }, '✔ ', text);
}
