// Files from the API (CSV, printable HTML): fetched with the bearer token (a plain link
// would carry none) and handed to the browser as a download under the server's file name.
import { ApiError, NetworkError, apiUrl } from './api.js';
import { getToken } from './auth.js';
import { h } from './dom.js';

/** Fetch `path` with `query` and save it; resolves to { name, size }. Throws ApiError or
 * NetworkError like `api()`. */
export async function downloadFile(path, query, { signal, fallbackName = 'download' } = {}) {
  let response;
  try {
    response = await fetch(apiUrl(path, query), {
      headers: { Authorization: `Bearer ${getToken()}` }, signal, cache: 'no-store',
    });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new NetworkError(error);
  }
  if (!response.ok) {
    let problem = {};
    try {
      problem = await response.json();
    } catch {
      problem = { title: response.statusText };
    }
    if (response.status === 401) window.dispatchEvent(new CustomEvent('auth-expired'));
    throw new ApiError(response.status, problem);
  }
  const blob = await response.blob();
  const name = fileName(response.headers.get('content-disposition')) || fallbackName;
  const url = URL.createObjectURL(blob);
  const link = h('a', { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  // Give the browser time to start the download before the URL is released.
  setTimeout(() => URL.revokeObjectURL(url), 60000);
  return { name, size: blob.size };
}

/** The file name of a Content-Disposition header (RFC 6266: filename* wins). */
export function fileName(header) {
  if (!header) return null;
  const star = header.match(/filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/);
  if (star) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      // fall back to the plain filename
    }
  }
  const plain = header.match(/filename\s*=\s*"([^"]+)"|filename\s*=\s*([^;\s]+)/);
  return plain ? (plain[1] || plain[2]) : null;
}

/**
 * A route the server does not have yet (built on another branch): the framework's bare 404,
 * whereas the API's own 404s always say "English / ไทย" what was not found.
 */
export function routeMissing(error) {
  return error instanceof ApiError && error.status === 404 && !/ \/ /.test(error.problem?.detail || error.problem?.title || '');
}
