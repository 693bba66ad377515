// The app without a network: today's sessions and their rosters kept ready (sw.js keeps the
// answers), a banner that says when the page shows a kept copy, and nothing kept after
// sign-out.
//
// The service worker stores an answer of the teacher's day whenever the page reads one; this
// module also reads them all once after sign-in (and on start, and back online), so a roster
// never opened today still opens offline. It hears about sign-in and sign-out only through
// the window events `lms:signed-in` (detail.user) and `lms:signed-out`.
import { can, getToken, getUser } from './auth.js';
import { h, replace } from './dom.js';
import { bangkokToday, formatShortDate, formatTime, t } from './i18n.js';

// sw.js names a user's cache `lms-data-v1-u<id>`; every version of it goes at sign-out.
const DATA_PREFIX = 'lms-data-';
const API = '/api/v1';
// Read the day again when back online, at most this often (a flapping network would refetch
// every roster on each return).
const WARM_AGAIN_MS = 5 * 60 * 1000;
const CONTROL_WAIT_MS = 15000;

let band = null;
let banner = null;
let refresh = null;
// The oldest stored time of the kept copies the page shows now (reset when the page changes),
// and whether one came while the browser was offline (rather than from a stalled network).
let copyStoredAt = null;
let copyOffline = false;
// Whose data this tab last saw, so a different user's copies are deleted before the warm-up.
let seenUser = null;
let warming = null; // { controller, key, at } of the last warm-up
let purgeCount = 0;

/** Start: the banner, the sign-in and sign-out listeners, and a warm-up when signed in. */
export function startOffline() {
  // The status stays in the page while empty (a live region that appears with its text is
  // often not read out); the button is not in it, so it is not read out on every change.
  banner = h('p', { id: 'offline-banner', role: 'status', aria: { live: 'polite' } });
  refresh = h('button', { type: 'button', class: 'secondary', hidden: true, onclick: () => window.location.reload() });
  band = h('div', { class: 'offline-band' }, banner, refresh);
  document.querySelector('.app-header')?.after(band);
  const worker = navigator.serviceWorker;
  if (worker) {
    worker.addEventListener('message', onWorkerMessage);
    worker.startMessages();
  }
  window.addEventListener('online', () => { draw(); warm(); });
  window.addEventListener('offline', draw);
  window.addEventListener('hashchange', () => {
    copyStoredAt = null;
    copyOffline = false;
    draw();
    // A sign-in that sent no event (or before it): the new user's day is warmed all the same.
    noteUser(getUser());
  });
  window.addEventListener('lms:signed-in', (event) => noteUser(event.detail?.user || getUser(), { force: true }));
  window.addEventListener('lms:signed-out', signedOut);
  // The language switch sets <html lang>: the banner follows it.
  new MutationObserver(draw).observe(document.documentElement, { attributes: true, attributeFilter: ['lang'] });
  noteUser(getUser());
  draw();
}

function onWorkerMessage(event) {
  const data = event.data || {};
  if (data.type === 'lms:from-cache') {
    const at = Date.parse(data.storedAt || '');
    if (!Number.isNaN(at) && (copyStoredAt === null || at < copyStoredAt)) copyStoredAt = at;
    if (!navigator.onLine) copyOffline = true;
    draw();
  } else if (data.type === 'lms:whose') {
    // sw.js asks whose copy may answer a request that had no token (it ran out offline).
    event.ports[0]?.postMessage({ user: getUser()?.id ?? null });
  }
}

function noteUser(user, { force = false } = {}) {
  const id = user ? String(user.id) : null;
  if (!id || (id === seenUser && !force)) return;
  const changed = id !== seenUser;
  seenUser = id;
  // A shared tablet: nobody else's copies stay once someone else is signed in.
  const ready = changed ? purge(id) : Promise.resolve();
  ready.then(() => warm({ force: changed || force }));
}

function signedOut() {
  seenUser = null;
  copyStoredAt = null;
  copyOffline = false;
  warming?.controller.abort();
  warming = null;
  purge(null);
  draw();
}

/**
 * Delete the kept API answers of everybody but `keep` (a user id; null: of everybody). Told to
 * the worker first, so an answer it is storing right now does not come back after the delete,
 * then done here too, which also works before any worker controls the page.
 */
async function purge(keep) {
  purgeCount += 1;
  navigator.serviceWorker?.controller?.postMessage({ type: 'lms:purge', keep, id: purgeCount });
  if (!('caches' in window)) return;
  try {
    const names = await caches.keys();
    await Promise.all(names
      .filter((name) => name.startsWith(DATA_PREFIX) && (keep === null || !name.endsWith(`-u${keep}`)))
      .map((name) => caches.delete(name)));
  } catch {
    // Storage refused (private mode): there is nothing kept to delete either.
  }
}

/** Resolves true once a service worker controls the page (its fetches are the ones kept). */
function controlled() {
  const worker = navigator.serviceWorker;
  if (!worker) return Promise.resolve(false);
  if (worker.controller) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), CONTROL_WAIT_MS);
    worker.addEventListener('controllerchange', () => {
      clearTimeout(timer);
      resolve(true);
    }, { once: true });
  });
}

/**
 * Read today's sessions, each roster and each workshop through the worker, which keeps them
 * for this user. Quietly does nothing offline, without a token, or for people without a Today.
 */
async function warm({ force = false } = {}) {
  const user = getUser();
  if (!user || !can(user, 'today') || !navigator.onLine) return;
  const day = bangkokToday();
  const key = `${user.id}:${day}`;
  if (!force && warming && warming.key === key && Date.now() - warming.at < WARM_AGAIN_MS) return;
  warming?.controller.abort();
  const run = { controller: new AbortController(), key, at: Date.now() };
  warming = run;
  if (!(await controlled()) || warming !== run) return;
  const get = async (path) => {
    const token = getToken();
    if (!token || warming !== run) throw new Error('stopped');
    const response = await fetch(API + path, {
      headers: { Accept: 'application/json', Authorization: `Bearer ${token}` },
      signal: run.controller.signal,
      cache: 'no-store',
      credentials: 'omit',
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return response.json();
  };
  try {
    await get('/me');
    const sessions = await get(`/me/sessions?${new URLSearchParams({ date: day })}`);
    for (const s of sessions.items) {
      if (s.status === 'cancelled') continue;
      // One roster at a time: a school network shared by a whole room stays usable.
      await Promise.all([get(`/sessions/${s.id}/attendance`), get(`/workshops/${s.workshop.id}`)]);
    }
  } catch {
    // Offline again, signed out, or a refusal: the pages' own reads keep what they can, and
    // the next start or return online tries again.
    if (warming === run) warming.at = 0;
  }
}

function storedWhen(at) {
  const iso = new Date(at).toISOString();
  const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Bangkok' }).format(new Date(at));
  return day === bangkokToday() ? formatTime(iso) : `${formatShortDate(day)} ${formatTime(iso)}`;
}

function draw() {
  if (!banner) return;
  const offline = !navigator.onLine;
  const signedIn = Boolean(getUser());
  const copy = signedIn && copyStoredAt !== null;
  let message = null;
  if (offline && !signedIn) {
    message = t('offline.signIn');
  } else if (offline) {
    message = [
      copy ? t('offline.bannerCopy', { time: storedWhen(copyStoredAt) }) : t('offline.banner'),
      ' · ', t('offline.outbox'),
    ];
  } else if (copy) {
    // Online again (or the server did not answer in time): the page still shows the copy
    // until it reads the API again; the pages do not reread by themselves, so offer it.
    message = t(copyOffline ? 'offline.backOnline' : 'offline.stalled', { time: storedWhen(copyStoredAt) });
  }
  band.classList.toggle('is-shown', Boolean(message));
  replace(banner, message ? [h('span', { 'aria-hidden': 'true' }, '⊘ '), message] : null);
  refresh.hidden = !(copy && !offline);
  refresh.textContent = t('offline.refresh');
}
