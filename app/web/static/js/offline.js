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
const WARM_ONLINE_DELAY_MS = 3000;
// Why a copy is shown, the weakest first (see copyReason).
const COPY_REASONS = [null, 'stalled', 'failed', 'offline'];
// What the band says online while the page shows a copy, by copyReason.
const ONLINE_COPY = { offline: 'offline.backOnline', failed: 'offline.unreachable', stalled: 'offline.stalled' };

let band = null;
let banner = null;
let refresh = null;
// The oldest stored time of the kept copies the page shows now (reset when the page changes),
// and why the worker answered with one: 'offline' (the browser was), 'failed' (the server
// could not be reached) or 'stalled' (it did not answer in time), the first that applies.
let copyStoredAt = null;
let copyReason = null;
// Whose data this tab last saw, so a different user's copies are deleted before the warm-up.
let seenUser = null;
let warming = null; // { key, at, running, done } of the last warm-up
let purgeCount = 0;

/** Start: the banner, the sign-in and sign-out listeners, and a warm-up when signed in. */
export function startOffline() {
  // The status stays in the page while empty (a live region that appears with its text is
  // often not read out); the button is not in it, so it is not read out on every change.
  banner = h('p', { id: 'offline-banner', role: 'status', aria: { live: 'polite' } });
  refresh = h('button', { type: 'button', class: 'secondary', hidden: true, onclick: reloadPage });
  band = h('div', { class: 'offline-band' }, banner, refresh);
  document.querySelector('.app-header')?.after(band);
  const worker = navigator.serviceWorker;
  if (worker) {
    worker.addEventListener('message', onWorkerMessage);
    worker.startMessages();
  }
  window.addEventListener('online', () => {
    draw();
    // Not at once: the outbox's marks go first, and a network that has just come back often
    // refuses the first requests.
    setTimeout(warm, WARM_ONLINE_DELAY_MS);
  });
  window.addEventListener('offline', draw);
  window.addEventListener('hashchange', () => {
    copyStoredAt = null;
    copyReason = null;
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

/** Reload for the server's data, after a warm-up under way (its reads are the fresh copies). */
async function reloadPage() {
  refresh.disabled = true;
  if (warming?.running) await Promise.race([warming.done, new Promise((resolve) => { setTimeout(resolve, 3000); })]);
  window.location.reload();
}

function onWorkerMessage(event) {
  const data = event.data || {};
  if (data.type === 'lms:from-cache') {
    const at = Date.parse(data.storedAt || '');
    if (!Number.isNaN(at) && (copyStoredAt === null || at < copyStoredAt)) copyStoredAt = at;
    const reason = navigator.onLine ? data.reason : 'offline';
    if (COPY_REASONS.indexOf(reason) > COPY_REASONS.indexOf(copyReason)) copyReason = reason;
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
  copyReason = null;
  warming = null; // a run under way stops before its next read
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
 * A run is never aborted (an aborted read through the worker is logged as a failed load): a
 * newer run or sign-out makes it stop before its next read, and the worker does not store
 * what arrives after a sign-out.
 */
async function warm({ force = false } = {}) {
  const user = getUser();
  if (!user || !can(user, 'today') || !navigator.onLine) return;
  const day = bangkokToday();
  const key = `${user.id}:${day}`;
  if (warming?.key === key && (warming.running || (!force && Date.now() - warming.at < WARM_AGAIN_MS))) return;
  let finished;
  const run = { key, at: Date.now(), running: true, done: new Promise((resolve) => { finished = resolve; }) };
  warming = run;
  const get = async (path) => {
    const token = getToken();
    if (!token || warming !== run) throw new Error('stopped');
    const response = await fetch(API + path, {
      headers: { Accept: 'application/json', Authorization: `Bearer ${token}`, 'X-LMS-Warm-Up': '1' },
      cache: 'no-store',
      credentials: 'omit',
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return response.json();
  };
  try {
    if (!(await controlled())) throw new Error('no worker');
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
    run.at = 0;
  } finally {
    run.running = false;
    finished();
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
    // Online again, or the server out of reach or slow: the page still shows the copy until
    // it reads the API again, which the pages do not do by themselves, so offer it.
    message = t(ONLINE_COPY[copyReason] || 'offline.stalled', { time: storedWhen(copyStoredAt) });
  }
  band.classList.toggle('is-shown', Boolean(message));
  replace(banner, message ? [h('span', { 'aria-hidden': 'true' }, '⊘ '), message] : null);
  refresh.hidden = !(copy && !offline);
  refresh.textContent = t('offline.refresh');
}
