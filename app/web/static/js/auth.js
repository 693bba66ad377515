// Who is signed in, in this tab. The bearer token lives in sessionStorage: it goes with the
// tab, never into a cookie or a shared device's long-term storage. The refresh token is an
// HttpOnly cookie the scripts never see (session.js renews the access token with it).
//
// The user is kept apart from the token and does not expire with it: an access token lasts
// minutes, a sign-in a school day, and the outbox's entries and the sign-in dialog need to
// know whose marks are on the page while the token is being renewed (or the family is dead
// and the same person signs in again).
const TOKEN_KEY = 'lms.token';
const USER_KEY = 'lms.user';
// A token this close to its end is not sent: it could expire on the way.
const SEND_MARGIN_MS = 5000;

function readToken() {
  try {
    return JSON.parse(sessionStorage.getItem(TOKEN_KEY) || 'null');
  } catch {
    sessionStorage.removeItem(TOKEN_KEY);
    return null;
  }
}

/** The tab's access token while it is still good to send, else null (the user stays known). */
export function getToken() {
  const stored = readToken();
  if (!stored?.token) return null;
  if (stored.expiresAt && Date.now() > stored.expiresAt - SEND_MARGIN_MS) return null;
  return stored.token;
}

/** The tab's access token even when it has run out (it still names the user), or null. */
export function lastToken() {
  return readToken()?.token || null;
}

/** When the tab's access token ends (ms since the epoch), its lifetime (ms); null without one. */
export function tokenTiming() {
  const stored = readToken();
  if (!stored?.token || !stored.expiresAt) return null;
  return { expiresAt: stored.expiresAt, lifetime: stored.lifetime || 0 };
}

/** The signed-in user of this tab (kept while the sign-in may be renewed), or null. */
export function getUser() {
  try {
    return JSON.parse(sessionStorage.getItem(USER_KEY) || 'null');
  } catch {
    return null;
  }
}

/** Keep a new access token (`expiresIn` seconds from now) and, when given, the user. */
export function storeAuth(token, expiresIn, user) {
  const lifetime = expiresIn ? expiresIn * 1000 : 0;
  const expiresAt = lifetime ? Date.now() + lifetime : null;
  sessionStorage.setItem(TOKEN_KEY, JSON.stringify({ token, expiresAt, lifetime }));
  if (user !== undefined) sessionStorage.setItem(USER_KEY, JSON.stringify(user));
}

/** Forget the access token only (its user stays, for the sign-in dialog and the outbox). */
export function dropToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

export function clearAuth() {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(USER_KEY);
}

/** The user id an access token was issued to (its `sub`), or null when unreadable. */
export function tokenSubject(token) {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return Number(JSON.parse(atob(payload)).sub) || null;
  } catch {
    return null;
  }
}

/** Where each role starts: those who take attendance on their day; the city-wide roles
 * (the department, and the admin, who hosts no sessions) on the attendance report. */
export function homeFor(user) {
  if (!user) return '#/signin';
  if (user.role === 'department' || user.role === 'admin') return '#/department';
  return '#/today';
}

export function can(user, area) {
  if (!user) return false;
  const role = user.role;
  switch (area) {
    case 'today':
      return role !== 'department';
    case 'enrolments':
      return ['admin', 'school_admin', 'teacher'].includes(role);
    case 'rooms':
    case 'plan':
      return ['admin', 'school_admin'].includes(role);
    case 'department':
      return ['admin', 'department'].includes(role);
    case 'export':
      return ['admin', 'department', 'school_admin'].includes(role);
    case 'record':
      return ['admin', 'school_admin', 'teacher', 'department'].includes(role);
    case 'reach':
      return ['admin', 'department', 'school_admin', 'creator'].includes(role);
    case 'mark':
      return ['admin', 'school_admin', 'teacher'].includes(role);
    default:
      return false;
  }
}
