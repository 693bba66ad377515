// The bearer token lives in sessionStorage: it goes with the tab, never into a cookie or a
// shared device's long-term storage.
const TOKEN_KEY = 'lms.token';
const USER_KEY = 'lms.user';

export function getToken() {
  const raw = sessionStorage.getItem(TOKEN_KEY);
  if (!raw) return null;
  try {
    const { token, expiresAt } = JSON.parse(raw);
    if (expiresAt && Date.now() > expiresAt) {
      clearAuth();
      return null;
    }
    return token;
  } catch {
    clearAuth();
    return null;
  }
}

export function getUser() {
  if (!getToken()) return null;
  try {
    return JSON.parse(sessionStorage.getItem(USER_KEY) || 'null');
  } catch {
    return null;
  }
}

export function storeAuth(token, expiresIn, user) {
  const expiresAt = expiresIn ? Date.now() + (expiresIn - 30) * 1000 : null;
  sessionStorage.setItem(TOKEN_KEY, JSON.stringify({ token, expiresAt }));
  sessionStorage.setItem(USER_KEY, JSON.stringify(user));
}

export function clearAuth() {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(USER_KEY);
}

/** Where each role starts. */
export function homeFor(user) {
  if (!user) return '#/signin';
  if (user.role === 'department') return '#/department';
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
