// Files from the API (CSV, printable HTML): fetched with the bearer token (a plain link
// would carry none) and handed to the browser as a download under the server's file name.
import { ApiError, api } from './api.js';
import { h } from './dom.js';

/** Fetch `path` with `query` and save it; resolves to { name, size }. Throws ApiError or
 * NetworkError like `api()`. */
export async function downloadFile(path, query, { signal, fallbackName = 'download' } = {}) {
  // Through api(): the token renewed when due, the call sent again after a 401, and the
  // sign-in dialog waited for when the sign-in has ended (a report at 15:00 must not fail on
  // the morning's token).
  const response = await api(path, { query, signal, raw: true, accept: '*/*' });
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
