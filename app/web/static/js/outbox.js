// Attendance saves that have not reached the server yet.
//
// Save writes the whole roster's marks here first (localStorage), then sends them. An entry
// leaves only after a 2xx, so a dropped network loses nothing: the entry is sent again when
// the browser comes back online, on a timer, or on the next start. One sender at a time
// (within the tab, and across tabs through the Web Locks API where the browser has it), so an
// entry is never sent twice concurrently; the PUT carries the full state of the roster, so a
// repeat after a lost answer changes nothing.
import { api, ApiError, NetworkError } from './api.js';
import { getUser } from './auth.js';

const KEY = 'lms.outbox.v1';
const DRAFT_PREFIX = 'lms.draft.v1.';
const RETRY_MIN_MS = 3000;
const RETRY_MAX_MS = 60000;

let draining = null;
let again = false;
let retryTimer = null;
let retryDelay = RETRY_MIN_MS;

function readAll() {
  try {
    return JSON.parse(localStorage.getItem(KEY) || '{}');
  } catch {
    return {};
  }
}

function writeAll(entries) {
  if (Object.keys(entries).length) localStorage.setItem(KEY, JSON.stringify(entries));
  else localStorage.removeItem(KEY);
}

function entryKey(userId, sessionId) {
  return `${userId}:${sessionId}`;
}

function notify(type, detail) {
  window.dispatchEvent(new CustomEvent('outbox', { detail: { type, ...detail } }));
}

/** The entry waiting for this session, if any: { sessionId, userId, body, version, queuedAt }. */
export function pendingFor(sessionId) {
  const user = getUser();
  if (!user) return null;
  return readAll()[entryKey(user.id, sessionId)] || null;
}

/** How many saves of the signed-in user wait to be sent. */
export function pendingCount() {
  const user = getUser();
  if (!user) return 0;
  return Object.values(readAll()).filter((e) => e.userId === user.id).length;
}

/** Keep a save (replacing an older one of the same session) and try to send it now. */
export function queueSave(sessionId, body) {
  const user = getUser();
  const entries = readAll();
  const version = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  entries[entryKey(user.id, sessionId)] = {
    sessionId, userId: user.id, body, version, queuedAt: new Date().toISOString(),
  };
  writeAll(entries);
  notify('queued', { sessionId });
  return flush();
}

/** Send every waiting save of the signed-in user; resolves when nothing more can be sent now. */
export function flush() {
  if (draining) {
    again = true;
    return draining;
  }
  draining = (async () => {
    try {
      do {
        again = false;
        await withLock(drainOnce);
      } while (again);
    } finally {
      draining = null;
    }
  })();
  return draining;
}

async function withLock(work) {
  if (navigator.locks?.request) return navigator.locks.request('lms-outbox', work);
  return work();
}

async function drainOnce() {
  const user = getUser();
  if (!user) return;
  // Re-read inside the lock: another tab may have sent an entry meanwhile.
  const mine = Object.values(readAll()).filter((e) => e.userId === user.id);
  for (const entry of mine) {
    const outcome = await sendOne(entry);
    if (outcome === 'wait') {
      scheduleRetry();
      return;
    }
    if (outcome === 'signed-out') return; // sent after the next sign-in (which flushes)
  }
  retryDelay = RETRY_MIN_MS;
  clearTimeout(retryTimer);
  retryTimer = null;
}

async function sendOne(entry) {
  notify('sending', { sessionId: entry.sessionId });
  try {
    const saved = await api(`/sessions/${entry.sessionId}/attendance`, {
      method: 'PUT',
      body: entry.body,
    });
    removeIfUnchanged(entry);
    notify('sent', { sessionId: entry.sessionId, saved, body: entry.body });
    return 'sent';
  } catch (error) {
    if (error instanceof NetworkError || (error instanceof ApiError && error.retryable)) {
      notify('waiting', { sessionId: entry.sessionId, error });
      return 'wait';
    }
    if (error instanceof ApiError && error.status === 401) {
      // Kept, not retried on a timer (each try would send the person back to sign-in).
      notify('waiting', { sessionId: entry.sessionId, error });
      return 'signed-out';
    }
    // The server refused the marks themselves: sending again would not help. The page keeps
    // them (draft) so the teacher can correct and save again.
    removeIfUnchanged(entry);
    saveDraft(entry.sessionId, marksOf(entry.body));
    notify('rejected', { sessionId: entry.sessionId, error });
    return 'rejected';
  }
}

function removeIfUnchanged(entry) {
  const entries = readAll();
  const key = entryKey(entry.userId, entry.sessionId);
  // A newer save of the same roster made while this one was in flight stays queued.
  if (entries[key]?.version === entry.version) {
    delete entries[key];
    writeAll(entries);
  } else if (entries[key]) {
    again = true;
  }
}

function scheduleRetry() {
  if (retryTimer) return;
  retryTimer = setTimeout(() => {
    retryTimer = null;
    flush();
  }, retryDelay);
  retryDelay = Math.min(retryDelay * 2, RETRY_MAX_MS);
}

/** Start sending when the browser says it is back online (and once now). */
export function startOutbox() {
  window.addEventListener('online', () => {
    retryDelay = RETRY_MIN_MS;
    clearTimeout(retryTimer);
    retryTimer = null;
    flush();
  });
  // Another tab changed the outbox: let the pages redraw their badges.
  window.addEventListener('storage', (event) => {
    if (event.key === KEY) notify('changed', {});
  });
  if (pendingCount()) flush();
}

export function marksOf(body) {
  return Object.fromEntries(body.marks.map((m) => [m.student_id, m.status]));
}

// Drafts: taps not saved yet, so a reload or a closed tab does not lose them.
function draftKey(sessionId) {
  const user = getUser();
  return `${DRAFT_PREFIX}${user ? user.id : 0}.${sessionId}`;
}

export function saveDraft(sessionId, marks) {
  localStorage.setItem(draftKey(sessionId), JSON.stringify(marks));
}

export function loadDraft(sessionId) {
  try {
    return JSON.parse(localStorage.getItem(draftKey(sessionId)) || 'null');
  } catch {
    return null;
  }
}

export function clearDraft(sessionId) {
  localStorage.removeItem(draftKey(sessionId));
}
