// The only way the app talks to the service: the public API under /api/v1 with a bearer token.
import { getToken } from './auth.js';

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

/**
 * Call the API. `body` is sent as JSON, `form` as application/x-www-form-urlencoded.
 * Returns the parsed JSON, or the Response itself with `raw: true`. Throws ApiError or
 * NetworkError. A 401 on anything but sign-in also fires the window event `auth-expired`.
 */
export async function api(path, { method = 'GET', query, body, form, raw = false, signal } = {}) {
  const headers = { Accept: 'application/json, application/problem+json' };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let payload;
  if (form) {
    payload = new URLSearchParams(form);
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(apiUrl(path, query), {
      method, headers, body: payload, signal, cache: 'no-store', credentials: 'omit',
    });
  } catch (error) {
    if (error?.name === 'AbortError') throw error;
    throw new NetworkError(error);
  }
  if (!response.ok) {
    const error = new ApiError(response.status, await problemOf(response));
    if (response.status === 401 && path !== '/auth/token') {
      window.dispatchEvent(new CustomEvent('auth-expired'));
    }
    throw error;
  }
  if (raw) return response;
  if (response.status === 204) return null;
  return response.json();
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
