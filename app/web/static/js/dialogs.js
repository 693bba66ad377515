// Modal dialogs over the current page: signing in again when the sign-in has ended, and
// "are you sure" questions. Native <dialog> with showModal(): the page behind is inert (focus
// stays in the dialog, screen readers read only it) and nothing on the page is lost.
import { field, h } from './dom.js';
import { t } from './i18n.js';
import { onSignIn } from './pages/signin.js';

const FOCUSABLE = 'button, input, select, textarea, a[href], [tabindex]:not([tabindex="-1"])';

/** Tab past the last control comes back to the first (and Shift+Tab the other way). */
function keepFocusInside(dialog, event) {
  if (event.key !== 'Tab') return;
  const controls = [...dialog.querySelectorAll(FOCUSABLE)].filter((el) => !el.disabled && !el.hidden && el.offsetParent !== null);
  if (!controls.length) return;
  const first = controls[0];
  const last = controls[controls.length - 1];
  if (event.shiftKey && document.activeElement === first) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && document.activeElement === last) {
    event.preventDefault();
    first.focus();
  }
}

function openModal(dialog) {
  document.body.append(dialog);
  // showModal makes the page behind inert, but Chromium lets Tab leave the dialog for the
  // browser's own controls; on a tablet that loses the keyboard user.
  dialog.addEventListener('keydown', (event) => keepFocusInside(dialog, event));
  dialog.showModal();
  return () => {
    if (dialog.open) dialog.close();
    dialog.remove();
  };
}

/**
 * Sign in again as `user` without leaving the page. The username is filled in and read-only;
 * "someone else" unlocks it (the first user's waiting marks stay theirs, kept for their next
 * sign-in). Resolves with the user who signed in. Escape does not close it: the page behind
 * cannot be used without a sign-in.
 */
export function signInDialog(user) {
  const name = user.full_name_th || user.username;
  const username = h('input', {
    name: 'username', autocomplete: 'username', required: true, readonly: true,
    autocapitalize: 'none', spellcheck: 'false', value: user.username,
  });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const errors = h('div', { class: 'form-errors' });
  const note = h('p', { class: 'hint', id: 'reauth-note' }, t('reauth.kept'));
  const submit = h('button', { type: 'submit', class: 'primary' }, t('signin.submit'));
  const other = h('button', { type: 'button', class: 'secondary' }, t('reauth.other', { name }));
  const form = h(
    'form',
    { method: 'dialog', novalidate: true },
    h('h2', { id: 'reauth-title' }, t('reauth.title')),
    h('p', { id: 'reauth-intro' }, t('reauth.intro', { name })),
    note,
    field(t('signin.username'), username),
    field(t('signin.password'), password),
    errors,
    h('div', { class: 'actions' }, submit, other),
  );
  const dialog = h('dialog', {
    class: 'modal', id: 'reauth-dialog', aria: { labelledby: 'reauth-title', describedby: 'reauth-intro reauth-note' },
  }, form);
  dialog.addEventListener('cancel', (event) => event.preventDefault());

  other.addEventListener('click', () => {
    username.readOnly = false;
    username.value = '';
    other.hidden = true;
    note.textContent = t('reauth.otherKept', { name });
    username.focus();
  });

  return new Promise((resolve) => {
    const close = openModal(dialog);
    password.focus();
    onSignIn({ form, username, password, submit, errors }, (me) => {
      close();
      resolve(me);
    });
  });
}

/** Ask a yes/no question; resolves true for `confirm`, false for `cancel` (or Escape). */
export function confirmDialog({ title, message, confirm, cancel }) {
  const yes = h('button', { type: 'button', class: 'primary' }, confirm);
  const no = h('button', { type: 'button', class: 'secondary' }, cancel);
  const dialog = h(
    'dialog',
    { class: 'modal', role: 'alertdialog', aria: { labelledby: 'confirm-title', describedby: 'confirm-message' } },
    h('h2', { id: 'confirm-title' }, title),
    h('p', { id: 'confirm-message' }, message),
    h('div', { class: 'actions' }, yes, no),
  );
  return new Promise((resolve) => {
    const close = openModal(dialog);
    // The safe answer first: keyboard users confirm on purpose.
    no.focus();
    const answer = (value) => {
      close();
      resolve(value);
    };
    yes.addEventListener('click', () => answer(true));
    no.addEventListener('click', () => answer(false));
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      answer(false);
    });
  });
}
