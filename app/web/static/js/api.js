// The only way the app talks to the service: the public API under /api/v1 with a bearer token.
// The token is renewed before it ends and after a 401 (session.js); only the /auth endpoints
// get the refresh cookie.
import { getUser, lastToken } from './auth.js';
import {
  authHeaders, completeSignIn, currentToken, refreshToken, RefreshUnavailable, SignInNeeded,
  stopSession, whenSignedIn,
} from './session.js';

const BASE = '/api/v1';

/** An answer of the API that was not 2xx; `problem` is its problem+json body (RFC 9457). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem || {};
  }

  /** Worth sending again later: the server or the way to it had a temporary problem. */
  get retryable() {
    return this.status >= 500 || this.status === 408 || this.status === 429;
  }
}

/** The request never got an answer (offline, server unreachable). */
export class NetworkError extends Error {
  constructor(cause) {
    super('network unreachable');
    this.name = 'NetworkError';
    this.cause = cause;
  }
}

export function apiUrl(path, query) {
  const url = new URL(BASE + path, window.location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, value);
  }
  return url;
}

async function problemOf(response) {
  const type = response.headers.get('content-type') || '';
  if (type.includes('json')) {
    try {
      return await response.json();
    } catch {
      // fall through: an unreadable body is reported by status alone
    }
  }
  return { status: response.status, title: response.statusText || `HTTP ${response.status}` };
}

function abortError() {
  return new DOMException('The request was aborted', 'AbortError');
}

/** Wait for the next sign-in (the dialog main.js opens), unless the caller gives up first. */
function signedInAgain(signal) {
  if (signal?.aborted) return Promise.reject(abortError());
  return new Promise((resolve, reject) => {
    signal?.addEventListener('abort', () => reject(abortError()), { once: true });
    whenSignedIn().then(resolve);
  });
}

/**
 * A token to send: the tab's, renewed first when due. When the sign-in has ended, either
 * waits for the person to sign in again (`hold`) or throws the 401 the caller would get.
 */
async function usableToken(stale, { hold, signal, method }) {
  try {
    return stale === undefined ? await currentToken() : await refreshToken(stale);
  } catch (error) {
    // No renewal now (offline): a read still goes, with the old token, so the service
    // worker can answer from its copy of this user's day. A write waits (the outbox keeps
    // it) rather than go with a token this tab takes for expired; so does anything after a 401.
    if (error instanceof RefreshUnavailable) {
      if (stale === undefined && method === 'GET') return lastToken();
      throw new NetworkError(error.cause);
    }
    if (!(error instanceof SignInNeeded)) throw error;
    if (!hold) throw new ApiError(401, { status: 401, title: '', detail: '' });
    await signedInAgain(signal);
    return currentToken();
  }
}

/**
 * Call the API. `body` is sent as JSON, `form` as application/x-www-form-urlencoded.
 * Returns the parsed JSON, or the Response itself with `raw: true`. Throws ApiError or
 * NetworkError. An expired token is renewed and the call sent again once; when the sign-in
 * itself has ended, the call waits for the sign-in dialog (`holdForSignIn`, the default) or
 * fails with 401 (the outbox: its entries must go out under their owner's sign-in only).
 * `accept` is the Accept header (files: any type).
 */
export async function api(path, {
  method = 'GET', query, body, form, raw = false, signal, holdForSignIn = true,
  accept = 'application/json, application/problem+json',
} = {}) {
  const auth = path.startsWith('/auth/');
  const headers = auth ? authHeaders() : { Accept: accept };
  let payload;
  if (form) {
    payload = new URLSearchParams(form);
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const send = async (token) => {
    const withToken = token ? { ...headers, Authorization: `Bearer ${token}` } : headers;
    try {
      return await fetch(apiUrl(path, query), {
        method,
        headers: withToken,
        body: payload,
        signal,
        cache: 'no-store',
        // The refresh cookie (Path=/api/v1/auth) is set and sent for sign-in and sign-out only.
        credentials: auth ? 'same-origin' : 'omit',
      });
    } catch (error) {
      if (error?.name === 'AbortError') throw error;
      throw new NetworkError(error);
    }
  };
  const options = { hold: holdForSignIn, signal, method };
  let token = auth ? null : await usableToken(undefined, options);
  let response = await send(token);
  if (response.status === 401 && !auth && getUser()) {
    // Expired on the server's clock (a tablet that slept, a skewed clock): renew, send again.
    token = await usableToken(token, options);
    response = await send(token);
  }
  if (!response.ok) throw new ApiError(response.status, await problemOf(response));
  if (raw) return response;
  if (response.status === 204) return null;
  return response.json();
}

/** Sign in with username and password (the answer sets the refresh cookie); resolves with the user. */
export async function signIn(username, password) {
  const token = await api('/auth/token', { method: 'POST', form: { username, password } });
  const response = await fetch(apiUrl('/me'), {
    headers: { Accept: 'application/json', Authorization: `Bearer ${token.access_token}` },
    cache: 'no-store',
    credentials: 'omit',
  }).catch((error) => { throw new NetworkError(error); });
  if (!response.ok) throw new ApiError(response.status, await problemOf(response));
  const me = await response.json();
  completeSignIn(token, me);
  return me;
}

/** End the sign-in on the server (revokes the refresh family, clears the cookie). */
export async function signOut() {
  stopSession();
  try {
    await api('/auth/sign-out', { method: 'POST' });
  } catch {
    // Offline or refused: the family still ends within its idle time; the tab forgets it.
  }
}

/** Every item of a paged list (at most `max`), following limit/offset. */
export async function apiAll(path, query = {}, { max = 2000 } = {}) {
  const items = [];
  const limit = 500;
  for (let offset = 0; offset < max; offset += limit) {
    const page = await api(path, { query: { ...query, limit, offset } });
    items.push(...page.items);
    if (items.length >= page.total || page.items.length < limit) break;
  }
  return items;
}
