// Start-up, the hash router, the header (menu, language, sign-out) and the connection badge.
import { signOut as endSignInOnServer } from './api.js';
import { can, clearAuth, getUser, homeFor } from './auth.js';
import { confirmDialog, signInDialog } from './dialogs.js';
import { h, replace } from './dom.js';
import { getLang, setLang, t } from './i18n.js';
import { startOffline } from './offline.js';
import { pendingCount, startOutbox, unsentCount } from './outbox.js';
import * as creatorReach from './pages/creator-reach.js';
import * as department from './pages/department.js';
import * as utilisation from './pages/department-utilisation.js';
import * as dashboard from './pages/department-dashboard.js';
import * as enrolments from './pages/enrolments.js';
import * as exportPage from './pages/export.js';
import * as outcomes from './pages/outcomes.js';
import * as rooms from './pages/rooms.js';
import * as roster from './pages/roster.js';
import * as signin from './pages/signin.js';
import * as student from './pages/student.js';
import * as today from './pages/today.js';
import * as workshopForm from './pages/workshop-form.js';
import { refreshToken, startSession } from './session.js';

const ROUTES = [
  { pattern: /^\/signin$/, page: signin, open: true },
  { pattern: /^\/today$/, page: today, area: 'today' },
  { pattern: /^\/sessions\/(\d+)$/, page: roster, area: 'today', keys: ['sessionId'] },
  { pattern: /^\/workshops\/(\d+)\/outcomes$/, page: outcomes, area: 'today', keys: ['workshopId'] },
  { pattern: /^\/enrolments$/, page: enrolments, area: 'enrolments' },
  { pattern: /^\/students\/(\d+)$/, page: student, area: 'record', keys: ['studentId'] },
  { pattern: /^\/rooms$/, page: rooms, area: 'rooms' },
  { pattern: /^\/workshops\/new$/, page: workshopForm, area: 'plan' },
  { pattern: /^\/department$/, page: department, area: 'department' },
  { pattern: /^\/department\/utilisation$/, page: utilisation, area: 'department' },
  { pattern: /^\/department\/dashboard$/, page: dashboard, area: 'department' },
  { pattern: /^\/export$/, page: exportPage, area: 'export' },
  { pattern: /^\/reach$/, page: creatorReach, area: 'reach' },
];

const MENU = [
  { area: 'today', href: '#/today', label: 'nav.today' },
  { area: 'enrolments', href: '#/enrolments', label: 'nav.enrolments' },
  { area: 'rooms', href: '#/rooms', label: 'nav.rooms' },
  { area: 'department', href: '#/department', label: 'nav.department' },
  { area: 'department', href: '#/department/utilisation', label: 'nav.utilisation' },
  { area: 'department', href: '#/department/dashboard', label: 'nav.dashboard' },
  { area: 'export', href: '#/export', label: 'nav.export' },
  { area: 'reach', href: '#/reach', label: 'nav.reach' },
];

let cleanup = null;
let renderCount = 0;
// The address of the page shown before this one, for "back" links that return to it.
let shownHash = null;

function parseHash() {
  const raw = window.location.hash.replace(/^#/, '') || '/';
  const [path, search = ''] = raw.split('?');
  return { path, query: new URLSearchParams(search) };
}

/** Go to an app address such as "#/sessions/3"; `replaceEntry` keeps the history short. */
export function navigate(hash, { replaceEntry = false } = {}) {
  if (window.location.hash === hash) {
    route();
  } else if (replaceEntry) {
    window.history.replaceState(null, '', hash);
    route();
  } else {
    window.location.hash = hash;
  }
}

function route() {
  const main = document.getElementById('main');
  const { path, query } = parseHash();
  const user = getUser();
  if (cleanup) {
    cleanup();
    cleanup = null;
  }
  renderHeader(user);
  const match = ROUTES.map((r) => ({ r, m: path.match(r.pattern) })).find((x) => x.m);
  if (!user && !(match && match.r.open)) {
    navigate(`#/signin?next=${encodeURIComponent(window.location.hash || '')}`, { replaceEntry: true });
    return;
  }
  if (!match || (match.r.area && !can(user, match.r.area))) {
    navigate(homeFor(user), { replaceEntry: true });
    return;
  }
  const params = {};
  (match.r.keys || []).forEach((key, i) => { params[key] = match.m[i + 1]; });
  renderCount += 1;
  replace(main);
  const from = shownHash;
  shownHash = window.location.hash;
  const result = match.r.page.render(main, { params, query, user, navigate, from });
  if (typeof result === 'function') cleanup = result;
  // Move focus to the new page (after the first), so keyboard and screen-reader users follow.
  if (renderCount > 1) main.focus({ preventScroll: false });
  highlightMenu(path);
}

function renderHeader(user) {
  document.getElementById('brand-name').textContent = t('app.name');
  document.getElementById('skip-link').textContent = t('app.skip');
  const nav = document.getElementById('nav');
  nav.setAttribute('aria-label', t('nav.label'));
  replace(
    nav,
    user
      ? h('ul', {}, MENU.filter((item) => can(user, item.area)).map((item) => h(
        'li', {}, h('a', { href: item.href, dataset: { area: item.area } }, t(item.label)),
      )))
      : null,
  );
  const langButton = document.getElementById('lang-switch');
  langButton.textContent = getLang() === 'th' ? 'English' : 'ภาษาไทย';
  langButton.lang = getLang() === 'th' ? 'en' : 'th';
  langButton.setAttribute('aria-label', t('app.switchLanguage'));
  const signOut = document.getElementById('sign-out');
  signOut.hidden = !user;
  signOut.textContent = t('app.signOut');
  if (user) signOut.title = t('app.signedInAs', { name: user.full_name_th || user.username });
  renderConnection();
}

function highlightMenu(path) {
  for (const link of document.querySelectorAll('#nav a')) {
    const target = link.getAttribute('href').slice(1);
    const outcomesPage = /^\/workshops\/\d+\/outcomes$/.test(path);
    const current = path === target
      || (target === '/today' && (path.startsWith('/sessions/') || outcomesPage))
      || (target === '/enrolments' && path.startsWith('/students/'))
      || (target === '/rooms' && path.startsWith('/workshops/') && !outcomesPage);
    if (current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

function renderConnection() {
  const badge = document.getElementById('connection');
  const waiting = getUser() ? pendingCount() : 0;
  const parts = [];
  if (!navigator.onLine) parts.push(h('span', { class: 'badge badge-offline' }, '⊘ ', t('conn.offline')));
  if (waiting) parts.push(h('span', { class: 'badge badge-pending' }, '↻ ', t('conn.pending', { n: waiting })));
  replace(badge, parts);
}

async function signOut() {
  const waiting = unsentCount();
  if (waiting) {
    const sure = await confirmDialog({
      title: t('signout.confirmTitle'),
      message: t('signout.unsent', { n: waiting }),
      confirm: t('signout.anyway'),
      cancel: t('signout.stay'),
    });
    if (!sure) return;
  }
  // The waiting marks stay on the device, kept for this user's next sign-in.
  await endSignInOnServer();
  clearAuth();
  window.dispatchEvent(new CustomEvent('lms:signed-out'));
  navigate('#/signin');
}

let reauth = null;

/**
 * The sign-in ended (refresh refused): ask for the password over the page, which stays as it
 * is (its marks are in the outbox). A different person signing in gets the page drawn again
 * for them; the first person's marks stay theirs.
 */
function askToSignInAgain() {
  const before = getUser();
  if (reauth) return;
  if (!before) {
    navigate(`#/signin?expired=1&next=${encodeURIComponent(window.location.hash || '')}`, { replaceEntry: true });
    return;
  }
  reauth = signInDialog(before).then((user) => {
    reauth = null;
    if (user.id !== before.id) route();
    else renderHeader(user);
  });
}

function start() {
  setLang(getLang());
  document.getElementById('lang-switch').addEventListener('click', () => {
    setLang(getLang() === 'th' ? 'en' : 'th');
    route();
  });
  document.getElementById('sign-out').addEventListener('click', signOut);
  window.addEventListener('hashchange', route);
  window.addEventListener('online', renderConnection);
  window.addEventListener('offline', renderConnection);
  window.addEventListener('outbox', renderConnection);
  window.addEventListener('lms:sign-in-needed', askToSignInAgain);
  // A 401 met outside api() (a download): renew; a refused refresh asks to sign in again.
  window.addEventListener('auth-expired', () => {
    if (!getUser()) askToSignInAgain();
    else refreshToken(null).catch(() => {});
  });
  startSession();
  startOutbox();
  startOffline();
  // The app's files from a cache when the network drops (sw.js); without it the app still
  // works online, so a refusal is not an error.
  navigator.serviceWorker?.register('sw.js').catch(() => {});
  route();
}

start();
