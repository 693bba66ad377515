// Saves that have not reached the server yet: a session's attendance, a workshop's outcome
// assessments.
//
// Save writes the whole roster's marks (or every changed assessment) here first
// (localStorage), then sends them. An entry
// leaves only after a 2xx, so a dropped network loses nothing: the entry is sent again when
// the browser comes back online, on a timer, or on the next start. One sender at a time
// (within the tab, and across tabs through the Web Locks API where the browser has it), so an
// entry is never sent twice concurrently; the PUT carries absolute values (never "toggle"), so a
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

// An entry is attendance (the original kind, keyed by session id) or outcomes (keyed by
// `outcomes:<workshop id>`); the event names the kind so each page listens to its own.
function kindOf(entry) {
  return entry.kind || 'attendance';
}

function describeEntry(entry) {
  return kindOf(entry) === 'outcomes'
    ? { kind: 'outcomes', workshopId: entry.workshopId }
    : { kind: 'attendance', sessionId: entry.sessionId };
}

function pathOf(entry) {
  return kindOf(entry) === 'outcomes'
    ? `/workshops/${entry.workshopId}/outcomes`
    : `/sessions/${entry.sessionId}/attendance`;
}

function outcomesKey(workshopId) {
  return `outcomes:${workshopId}`;
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

function newVersion() {
  return `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

/** Keep a save (replacing an older one of the same session) and try to send it now. */
export function queueSave(sessionId, body) {
  const user = getUser();
  const entries = readAll();
  entries[entryKey(user.id, sessionId)] = {
    sessionId, userId: user.id, body, version: newVersion(), queuedAt: new Date().toISOString(),
  };
  writeAll(entries);
  notify('queued', { kind: 'attendance', sessionId });
  return flush();
}

/** The outcome assessments waiting for this workshop, if any (an entry with `body`). */
export function pendingOutcomesFor(workshopId) {
  const user = getUser();
  if (!user) return null;
  return readAll()[entryKey(user.id, outcomesKey(workshopId))] || null;
}

/**
 * Keep a workshop's changed assessments and try to send them now. A newer save replaces a
 * waiting one after merging it (pairs of the older save not in the newer stay), so nothing
 * the teacher marked offline is dropped.
 */
export function queueOutcomes(workshopId, body) {
  const user = getUser();
  const entries = readAll();
  const key = entryKey(user.id, outcomesKey(workshopId));
  const merged = new Map();
  for (const a of [...(entries[key]?.body.assessments || []), ...body.assessments]) {
    merged.set(`${a.student_id}|${a.outcome_code}`, a);
  }
  entries[key] = {
    kind: 'outcomes', workshopId, userId: user.id, body: { assessments: [...merged.values()] },
    version: newVersion(), queuedAt: new Date().toISOString(),
  };
  writeAll(entries);
  notify('queued', { kind: 'outcomes', workshopId });
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
  const about = describeEntry(entry);
  notify('sending', about);
  try {
    const saved = await api(pathOf(entry), { method: 'PUT', body: entry.body });
    removeIfUnchanged(entry);
    notify('sent', { ...about, saved, body: entry.body });
    return 'sent';
  } catch (error) {
    if (error instanceof NetworkError || (error instanceof ApiError && error.retryable)) {
      notify('waiting', { ...about, error });
      return 'wait';
    }
    if (error instanceof ApiError && error.status === 401) {
      // Kept, not retried on a timer (each try would send the person back to sign-in).
      notify('waiting', { ...about, error });
      return 'signed-out';
    }
    // The server refused the marks themselves: sending again would not help. The page keeps
    // them (draft) so the teacher can correct and save again.
    removeIfUnchanged(entry);
    if (about.kind === 'outcomes') {
      saveDraft(outcomesKey(entry.workshopId), { ...(loadDraft(outcomesKey(entry.workshopId)) || {}), ...assessmentsOf(entry.body) });
    } else {
      saveDraft(entry.sessionId, marksOf(entry.body));
    }
    notify('rejected', { ...about, error, body: entry.body });
    return 'rejected';
  }
}

function storedKey(entry) {
  return kindOf(entry) === 'outcomes' ? outcomesKey(entry.workshopId) : entry.sessionId;
}

function removeIfUnchanged(entry) {
  const entries = readAll();
  const key = entryKey(entry.userId, storedKey(entry));
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

/** An outcomes body as { "studentId|code": status }. */
export function assessmentsOf(body) {
  return Object.fromEntries(body.assessments.map((a) => [`${a.student_id}|${a.outcome_code}`, a.status]));
}

/** Outcome taps not saved yet (same storage as attendance drafts). */
export function saveOutcomesDraft(workshopId, marks) {
  saveDraft(outcomesKey(workshopId), marks);
}

export function loadOutcomesDraft(workshopId) {
  return loadDraft(outcomesKey(workshopId));
}

export function clearOutcomesDraft(workshopId) {
  clearDraft(outcomesKey(workshopId));
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
