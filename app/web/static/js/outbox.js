// Saves that have not reached the server yet: a session's attendance, a workshop's outcome
// assessments.
//
// Every tap on a roster writes the roster's marks here at once (localStorage), as a *staged*
// entry: held, never sent, but durable, so a reload, a closed tab or a sign-in that ends
// while the teacher marks loses nothing. Save releases it (queueSave); a released entry
// leaves only after a 2xx, so a dropped network loses nothing either: it is sent again when
// the browser comes back online, on a timer, after the next sign-in, or on the next start.
// Each entry belongs to the user id that made it and is only ever sent under that user's
// sign-in. One sender at a time (within the tab, and across tabs through the Web Locks API
// where the browser has it), so an entry is never sent twice concurrently; the PUT carries
// absolute values (never "toggle"), so a repeat after a lost answer changes nothing.
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

function stagedKey(userId, sessionId) {
  return `${userId}:staged:${sessionId}`;
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

/** How many saves of the signed-in user wait to be sent (staged taps are not saves yet). */
export function pendingCount() {
  const user = getUser();
  if (!user) return 0;
  return Object.values(readAll()).filter((e) => e.userId === user.id && !e.staged).length;
}

/**
 * Everything of the signed-in user not on the server yet: saves waiting, rosters tapped but
 * not saved, outcome taps not saved (what sign-out warns about).
 */
export function unsentCount() {
  const user = getUser();
  if (!user) return 0;
  const entries = Object.values(readAll()).filter((e) => e.userId === user.id).length;
  const prefix = `${DRAFT_PREFIX}${user.id}.outcomes:`;
  let drafts = 0;
  for (let i = 0; i < localStorage.length; i += 1) {
    if (localStorage.key(i)?.startsWith(prefix)) drafts += 1;
  }
  return entries + drafts;
}

/** The roster tapped but not saved yet for this session, if any: an entry with `body`. */
export function stagedFor(sessionId) {
  const user = getUser();
  if (!user) return null;
  return readAll()[stagedKey(user.id, sessionId)] || null;
}

/**
 * Keep the roster's marks as they are now (the whole PUT body), held until Save. Written at
 * every tap, so the marks are on the device before the teacher moves on.
 */
export function stageSave(sessionId, body) {
  const user = getUser();
  if (!user) return;
  const entries = readAll();
  entries[stagedKey(user.id, sessionId)] = {
    sessionId, userId: user.id, body, staged: true, version: newVersion(),
    stagedAt: new Date().toISOString(),
  };
  writeAll(entries);
  notify('staged', { kind: 'attendance', sessionId });
}

/** Drop the staged roster (the marks are back to what the server, or a waiting save, has). */
export function unstage(sessionId) {
  const user = getUser();
  if (!user) return;
  const entries = readAll();
  if (!entries[stagedKey(user.id, sessionId)]) return;
  delete entries[stagedKey(user.id, sessionId)];
  writeAll(entries);
  notify('staged', { kind: 'attendance', sessionId });
}

function newVersion() {
  return `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

/**
 * Save: keep the roster's marks for sending (replacing an older save of the same session, and
 * releasing the staged taps they include) and try to send them now.
 */
export function queueSave(sessionId, body) {
  const user = getUser();
  if (!user) return Promise.resolve();
  const entries = readAll();
  entries[entryKey(user.id, sessionId)] = {
    sessionId, userId: user.id, body, version: newVersion(), queuedAt: new Date().toISOString(),
  };
  delete entries[stagedKey(user.id, sessionId)];
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
  if (!user) return Promise.resolve();
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
  // Re-read inside the lock: another tab may have sent an entry meanwhile. Staged entries
  // wait for Save; another user's wait for that user's sign-in.
  const mine = Object.values(readAll()).filter((e) => e.userId === user.id && !e.staged);
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
    // Not held for the sign-in dialog: the drain stops instead ('signed-out') and the next
    // sign-in flushes, so an entry never waits inside the lock for someone else's sign-in.
    const saved = await api(pathOf(entry), { method: 'PUT', body: entry.body, holdForSignIn: false });
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
    // them (staged, or an outcomes draft) so the teacher can correct and save again.
    removeIfUnchanged(entry);
    if (about.kind === 'outcomes') {
      const key = outcomesKey(entry.workshopId);
      saveStoredDraft(key, { ...(loadStoredDraft(key) || {}), ...assessmentsOf(entry.body) });
    } else {
      restage(entry);
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

/** A refused save goes back to staged, unless newer taps are staged already (they hold it all). */
function restage(entry) {
  const entries = readAll();
  const key = stagedKey(entry.userId, entry.sessionId);
  if (entries[key]) return;
  entries[key] = { ...entry, staged: true, stagedAt: new Date().toISOString() };
  writeAll(entries);
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
  // Whoever signs in (page or dialog) gets their waiting saves sent, and only theirs.
  window.addEventListener('lms:signed-in', () => flush());
  if (pendingCount()) flush();
}

export function marksOf(body) {
  return Object.fromEntries(body.marks.map((m) => [m.student_id, m.status]));
}

/** An outcomes body as { "studentId|code": status }. */
export function assessmentsOf(body) {
  return Object.fromEntries(body.assessments.map((a) => [`${a.student_id}|${a.outcome_code}`, a.status]));
}

/** Outcome taps not saved yet (kept per user, like the staged rosters). */
export function saveOutcomesDraft(workshopId, marks) {
  saveStoredDraft(outcomesKey(workshopId), marks);
}

export function loadOutcomesDraft(workshopId) {
  return loadStoredDraft(outcomesKey(workshopId));
}

export function clearOutcomesDraft(workshopId) {
  localStorage.removeItem(draftKey(outcomesKey(workshopId)));
}

/**
 * The marks tapped on a roster and not saved yet ({ studentId: status }), or null: the
 * staged entry's marks (the Today page shows "not saved" for them).
 */
export function loadDraft(sessionId) {
  const staged = stagedFor(sessionId);
  return staged ? marksOf(staged.body) : null;
}

// Outcome drafts: taps not saved yet, so a reload or a closed tab does not lose them.
function draftKey(key) {
  const user = getUser();
  return `${DRAFT_PREFIX}${user ? user.id : 0}.${key}`;
}

function saveStoredDraft(key, marks) {
  localStorage.setItem(draftKey(key), JSON.stringify(marks));
}

function loadStoredDraft(key) {
  try {
    return JSON.parse(localStorage.getItem(draftKey(key)) || 'null');
  } catch {
    return null;
  }
}
