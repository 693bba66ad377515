// Sign in with username and password (OAuth2 password flow), then load the profile. The
// answer also sets the refresh cookie, so the sign-in lasts the school day (session.js); the
// outbox sends this user's waiting saves on the `lms:signed-in` event.
import { signIn } from '../api.js';
import { homeFor } from '../auth.js';
import { field, h } from '../dom.js';
import { t } from '../i18n.js';
import { showError } from '../problems.js';

export function render(main, { query, navigate }) {
  document.title = `${t('signin.title')} · ${t('app.name')}`;
  const username = h('input', { name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const errors = h('div', { class: 'form-errors' });
  const submit = h('button', { type: 'submit', class: 'primary' }, t('signin.submit'));
  const form = h(
    'form',
    { class: 'card narrow', novalidate: true },
    h('h1', {}, t('signin.title')),
    query.get('expired') ? h('p', { class: 'alert alert-info', role: 'status' }, 'ℹ ', t('signin.expired')) : null,
    field(t('signin.username'), username),
    field(t('signin.password'), password),
    errors,
    h('div', { class: 'actions' }, submit),
  );
  onSignIn({ form, username, password, submit, errors }, (me) => {
    const next = query.get('next');
    navigate(next && next.startsWith('#/') && !next.startsWith('#/signin') ? next : homeFor(me));
  });
  main.append(form);
  username.focus();
}

/**
 * The submit of a sign-in form (this page's and the sign-in dialog's): both fields asked for,
 * the button busy while the answer comes, the API's error under the form, then `done(user)`.
 */
export function onSignIn({ form, username, password, submit, errors }, done) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    showError(errors, null);
    if (!username.value.trim() || !password.value) {
      showError(errors, t('signin.missing'));
      return;
    }
    submit.disabled = true;
    submit.textContent = t('signin.working');
    try {
      done(await signIn(username.value.trim(), password.value));
    } catch (error) {
      showError(errors, error);
      password.select();
    } finally {
      submit.disabled = false;
      submit.textContent = t('signin.submit');
    }
  });
}
