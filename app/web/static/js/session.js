// A school day's sign-in: the short access token renewed from the refresh cookie (SECURITY.md,
// "Refresh tokens") shortly before it ends, and again when the API answers 401.
//
// The cookie is shared by every tab of the browser; each tab keeps its own access token
// (sessionStorage). A refresh uses the cookie's token up and sets the next one, and a used
// token sent again revokes the whole sign-in, so two refreshes must never be in flight at
// once, in this tab or another: every refresh runs under one Web Lock ("lms-refresh"; in-tab
// single flight where the browser has no Web Locks). The next holder's request then carries
// the cookie the previous answer set. A tab does not borrow another tab's access token: it
// would have to pass through shared storage, and a tab can always get its own under the lock.
import { dropToken, getToken, getUser, storeAuth, tokenSubject, tokenTiming } from './auth.js';

const TOKEN_URL = '/api/v1/auth/token';
// Renew when this much of the token's life is left (a quarter, at most two minutes), so a
// request rarely meets an expired token.
const RENEW_BEFORE_MAX_MS = 2 * 60 * 1000;

let inflight = null;
let renewTimer = null;
// The refresh family was refused (revoked, expired, another person's cookie): no further
// refresh is tried until someone signs in again.
let ended = false;
let waiters = [];

/** Refresh refused for good: only a new sign-in helps. */
export class SignInNeeded extends Error {
  constructor(detail) {
    super(detail || 'sign in again');
    this.name = 'SignInNeeded';
  }
}

/** Refresh could not be tried (offline, server down): try again later. */
export class RefreshUnavailable extends Error {
  constructor(cause) {
    super('refresh unavailable');
    this.name = 'RefreshUnavailable';
    this.cause = cause;
  }
}

/** Headers of every request to /auth: the server refuses the cookie without X-LMS-CSRF. */
export function authHeaders() {
  return { Accept: 'application/json, application/problem+json', 'X-LMS-CSRF': '1' };
}

async function problemDetail(response) {
  try {
    const body = await response.json();
    return body.detail || body.error_description || body.title || '';
  } catch {
    return '';
  }
}

/** POST the refresh grant with the cookie (same-origin credentials, so it is sent and set). */
function postRefresh() {
  return fetch(TOKEN_URL, {
    method: 'POST',
    headers: authHeaders(),
    body: new URLSearchParams({ grant_type: 'refresh_token' }),
    credentials: 'same-origin',
    cache: 'no-store',
  });
}

function withRefreshLock(work) {
  if (navigator.locks?.request) return navigator.locks.request('lms-refresh', work);
  return work();
}

async function refreshUnderLock(seen) {
  // Another call of this tab may have renewed the token while this one waited for the lock.
  const current = getToken();
  if (current && current !== seen) return current;
  const user = getUser();
  if (!user) throw new SignInNeeded();
  let response;
  try {
    response = await postRefresh();
  } catch (error) {
    throw new RefreshUnavailable(error);
  }
  if (response.status >= 500 || response.status === 429 || response.status === 408) {
    throw new RefreshUnavailable(new Error(`HTTP ${response.status}`));
  }
  if (!response.ok) throw new SignInNeeded(await problemDetail(response));
  const body = await response.json();
  // The cookie is the browser's: another tab may have signed in as someone else since.
  // Never act for this tab's user with another person's token.
  if (tokenSubject(body.access_token) !== user.id) throw new SignInNeeded('another account');
  storeAuth(body.access_token, body.expires_in);
  scheduleRenewal();
  return body.access_token;
}

/**
 * A new access token for this tab's user (one refresh at a time across tabs). `seen` is the
 * token the caller found wanting (a 401 answered it): when the tab already holds another,
 * that one is returned without a refresh. Throws SignInNeeded or RefreshUnavailable.
 */
export function refreshToken(seen = null) {
  if (ended) return Promise.reject(new SignInNeeded());
  if (!inflight) {
    inflight = withRefreshLock(() => refreshUnderLock(seen))
      .catch((error) => {
        if (error instanceof SignInNeeded) endSignIn();
        throw error;
      })
      .finally(() => { inflight = null; });
  }
  return inflight;
}

/** The tab's access token, renewed first when it is about to end; null when nobody is signed in. */
export async function currentToken() {
  const token = getToken();
  if (token || !getUser()) return token;
  return refreshToken(null);
}

function endSignIn() {
  ended = true;
  clearTimeout(renewTimer);
  renewTimer = null;
  dropToken();
  // The page decides how to ask (main.js opens the sign-in dialog over it).
  window.dispatchEvent(new CustomEvent('lms:sign-in-needed', { detail: { user: getUser() } }));
}

/** Resolves with the user at the next successful sign-in (page or dialog). */
export function whenSignedIn() {
  return new Promise((resolve) => { waiters.push(resolve); });
}

/** Renew the token when a quarter of its life (at most two minutes) is left. */
export function scheduleRenewal() {
  clearTimeout(renewTimer);
  renewTimer = null;
  const timing = tokenTiming();
  if (!timing || ended) return;
  const before = Math.min(RENEW_BEFORE_MAX_MS, timing.lifetime / 4);
  const delay = Math.max(0, timing.expiresAt - before - Date.now());
  renewTimer = setTimeout(() => {
    renewTimer = null;
    if (!getUser()) return;
    // Offline now: the next request, or coming back online, tries again; a refused refresh
    // already asked for a sign-in (endSignIn).
    refreshToken(getToken()).catch(() => {});
  }, delay);
}

/**
 * A sign-in succeeded (page or dialog): keep its token and user, renew it from now on, and
 * tell whoever waits (api calls held by the sign-in dialog, the outbox, js/offline.js).
 */
export function completeSignIn(tokenBody, user) {
  storeAuth(tokenBody.access_token, tokenBody.expires_in, user);
  ended = false;
  scheduleRenewal();
  const resolved = waiters;
  waiters = [];
  window.dispatchEvent(new CustomEvent('lms:signed-in', { detail: { user } }));
  for (const resolve of resolved) resolve(user);
}

/** Stop renewing: the tab is signing out. */
export function stopSession() {
  clearTimeout(renewTimer);
  renewTimer = null;
}

/** Start renewing for a tab that was already signed in (a reload); renew at once if due. */
export function startSession() {
  document.addEventListener('visibilitychange', () => {
    // A tablet waking up: its timers were paused, so renew now if the token is due.
    if (document.visibilityState === 'visible' && getUser() && !ended) scheduleRenewal();
  });
  window.addEventListener('online', () => {
    if (getUser() && !ended && !renewTimer) scheduleRenewal();
  });
  if (getUser()) scheduleRenewal();
}
