// Offline support for a school network that comes and goes.
//
// The app's files (the shell) and the teacher's day (their profile, the day's sessions, each
// roster and its workshop) are fetched from the server first, so a new release or a mark
// made on another device is seen at once; the copy kept here answers only when the network
// fails or stalls. Nothing else of the API is touched: exports, student records and every
// write go to the network as they are (the outbox keeps what must reach the server).
//
// A shared tablet: the day's answers live in one cache per user (named by the token's user
// id), answer only that user's requests (by the token, or offline without one by the user
// the page shows), and are all deleted at sign-out (a message from js/offline.js). The shell
// holds no one's data and may stay.
const SHELL_CACHE = 'lms-app-v2';
// Bump the v1 when the stored answers change shape; js/offline.js deletes every `lms-data-`.
const DATA_PREFIX = 'lms-data-v1-u';
const SCOPE = new URL('./', self.location).pathname;
const STALL_MS = 4000;
// Every file of the app (tests/web/test_static.py checks the list against the folder).
const SHELL = [
  './',
  'css/app.css',
  'img/icon.svg',
  'js/api.js',
  'js/auth.js',
  'js/chart.js',
  'js/datetime.js',
  'js/dialogs.js',
  'js/dom.js',
  'js/download.js',
  'js/i18n.js',
  'js/i18n/en.js',
  'js/i18n/th.js',
  'js/main.js',
  'js/offline.js',
  'js/outbox.js',
  'js/pages/creator-reach.js',
  'js/pages/department-completion.js',
  'js/pages/department-utilisation.js',
  'js/pages/department-dashboard.js',
  'js/pages/department.js',
  'js/pages/enrol-add.js',
  'js/pages/enrolments.js',
  'js/pages/export.js',
  'js/pages/outcomes-close.js',
  'js/pages/outcomes.js',
  'js/pages/rooms.js',
  'js/pages/roster.js',
  'js/pages/signin.js',
  'js/pages/student.js',
  'js/pages/today.js',
  'js/pages/workshop-form.js',
  'js/problems.js',
  'js/session.js',
  'js/status.js',
];
// The teacher's day, and nothing more of the API (the query, e.g. ?date=, is part of the key).
const DAY_PATHS = [
  /^\/api\/v1\/me$/,
  /^\/api\/v1\/me\/sessions$/,
  /^\/api\/v1\/sessions\/\d+\/attendance$/,
  /^\/api\/v1\/workshops\/\d+$/,
];
// An answer that says this user may no longer see the thing (or it is gone): its copy goes.
const DROP_COPY = new Set([403, 404, 410]);
// A gateway's answer while the server is out of reach: the shell's copy is better than its page.
const GATEWAY_DOWN = new Set([502, 503, 504]);
// Copies of days long past are of no use offline.
const DATA_MAX_AGE_MS = 3 * 24 * 3600 * 1000;
// Sign-outs seen lately: an answer already on its way when one happened must not be stored
// after it (that would bring back what sign-out deleted).
const purges = [];

self.addEventListener('install', (event) => {
  // `reload`: the files from the server, never from the browser's HTTP cache of an old release.
  event.waitUntil(caches.open(SHELL_CACHE)
    // A file listed twice would fail addAll (and with it the whole install): once each.
    .then((cache) => cache.addAll([...new Set(SHELL)].map((path) => new Request(path, { cache: 'reload' }))))
    .then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys
      .filter((key) => key !== SHELL_CACHE && !key.startsWith(DATA_PREFIX))
      .map((key) => caches.delete(key))))
    .then(() => self.clients.claim()));
});

self.addEventListener('message', (event) => {
  if (event.data?.type === 'lms:purge') {
    // `keep`: the user now signed in, whose copies stay (null at sign-out: none stays).
    const keep = event.data.keep == null ? null : String(event.data.keep);
    const done = purgeData(keep).then(() => event.source?.postMessage({ type: 'lms:purged', id: event.data.id }));
    event.waitUntil(done);
  }
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith(SCOPE)) {
    event.respondWith(shell(request));
  } else if (DAY_PATHS.some((path) => path.test(url.pathname))) {
    event.respondWith(dayAnswer(event, userOf(request)));
  }
});

/**
 * The user id (`sub`) of the request's bearer token. It is not verified here: it only picks
 * which user's copies could answer, and a copy is stored only from the server's 2xx to it.
 */
function userOf(request) {
  const match = /^Bearer\s+[\w-]+\.([\w-]+)\.[\w-]+$/.exec(request.headers.get('Authorization') || '');
  if (!match) return null;
  try {
    const json = atob(match[1].replace(/-/g, '+').replace(/_/g, '/'));
    const sub = String(JSON.parse(json).sub ?? '');
    return /^\d+$/.test(sub) ? sub : null;
  } catch {
    return null;
  }
}

async function purgeData(keep) {
  purges.push({ at: Date.now(), keep });
  // Older sign-outs cannot matter to an answer still on its way (stalled answers give up long before).
  while (purges.length > 1 && Date.now() - purges[0].at > 10 * 60 * 1000) purges.shift();
  const keys = await caches.keys();
  await Promise.all(keys
    .filter((key) => key.startsWith(DATA_PREFIX) && key !== DATA_PREFIX + keep)
    .map((key) => caches.delete(key)));
}

function purgedSince(startedAt, user) {
  return purges.some((p) => p.at >= startedAt && p.keep !== user);
}

/**
 * The network's answer, unless it fails or is slower than STALL_MS and `fallback` has a copy.
 * `fallback(reason)` ('stalled' or 'failed') is asked only then; it may give nothing (then
 * the network is awaited, or its failure stands).
 */
async function networkFirst(network, fallback) {
  let timer;
  const stalled = new Promise((resolve) => { timer = setTimeout(resolve, STALL_MS); });
  try {
    const first = await Promise.race([network, stalled.then(() => null)]);
    if (first) return first;
    return (await fallback('stalled')) || (await network);
  } catch (error) {
    const copy = await fallback('failed');
    if (copy) return copy;
    throw error;
  } finally {
    clearTimeout(timer);
    network.catch(() => {}); // a late failure after the copy answered is not an error
  }
}

async function shellCopy(request) {
  const cache = await caches.open(SHELL_CACHE);
  // Every navigation inside the app is the one page (the route is in the #fragment).
  if (request.mode === 'navigate') return cache.match('./');
  return cache.match(request, { ignoreSearch: true, ignoreVary: true });
}

async function shell(request) {
  const network = fetch(request).then(async (response) => {
    // A redirected answer must never stand in for a navigation (Chromium refuses it with
    // its error page), so only a direct 200 replaces the kept page.
    if (response.ok && !response.redirected) {
      const cache = await caches.open(SHELL_CACHE);
      await cache.put(request.mode === 'navigate' ? './' : request, response.clone());
    }
    return response;
  });
  const answer = await networkFirst(network, () => shellCopy(request));
  if (GATEWAY_DOWN.has(answer.status)) return (await shellCopy(request)) || answer;
  return answer;
}

/**
 * A request of the teacher's day. `user` is its token's; a request without one (the access
 * token ran out while offline and could not be renewed) is stored for no one, and offline it
 * gets the copy of the user its page shows, if there is one.
 */
async function dayAnswer(event, user) {
  const { request } = event;
  const key = keyOf(request);
  const startedAt = Date.now();
  // js/offline.js reading the day ahead: a copy would be no use to it, and the page must not
  // hear that it shows one.
  const warmUp = request.headers.get('X-LMS-Warm-Up') === '1';
  const network = fetch(request).then(async (response) => {
    if (user && response.ok && response.type === 'basic' && !purgedSince(startedAt, user)) {
      await store(DATA_PREFIX + user, key, response.clone());
    } else if (user && DROP_COPY.has(response.status)) {
      await (await caches.open(DATA_PREFIX + user)).delete(key);
    }
    // 401 (token expired or revoked) and 5xx are answered as they are, and the copy kept: they
    // say nothing about the data itself.
    return response;
  });
  if (warmUp) return network;
  return networkFirst(network, async (reason) => {
    const whose = user || (await pageUser(event.clientId));
    if (!whose) return undefined;
    const cacheName = DATA_PREFIX + whose;
    if (!(await caches.keys()).includes(cacheName)) return undefined; // never create one just to look
    const copy = await (await caches.open(cacheName)).match(key, { ignoreVary: true });
    if (!copy) return undefined;
    tellPage(event.clientId, { url: request.url, storedAt: copy.headers.get('X-LMS-Stored-At'), reason });
    return fromCache(copy);
  });
}

/** The user id the page shows (js/offline.js answers), or null; asked only when offline. */
async function pageUser(clientId) {
  const client = clientId && (await self.clients.get(clientId));
  if (!client) return null;
  const channel = new MessageChannel();
  const answer = new Promise((resolve) => {
    channel.port1.onmessage = (event) => resolve(event.data?.user);
    setTimeout(() => resolve(null), 1000); // a page without js/offline.js never answers
  });
  client.postMessage({ type: 'lms:whose' }, [channel.port2]);
  const id = String((await answer) ?? '');
  return /^\d+$/.test(id) ? id : null;
}

/** The URL without a #fragment: a cache per user, so the token need not be in the key. */
function keyOf(request) {
  const url = new URL(request.url);
  url.hash = '';
  return url.href;
}

async function store(cacheName, key, response) {
  const headers = new Headers(response.headers);
  headers.set('X-LMS-Stored-At', new Date().toISOString());
  const body = await response.arrayBuffer();
  const cache = await caches.open(cacheName);
  await cache.put(key, new Response(body, { status: response.status, statusText: response.statusText, headers }));
  if (new URL(key).pathname === '/api/v1/me/sessions') await dropOldCopies(cache);
}

async function dropOldCopies(cache) {
  const now = Date.now();
  for (const request of await cache.keys()) {
    const copy = await cache.match(request);
    const storedAt = Date.parse(copy?.headers.get('X-LMS-Stored-At') || '');
    if (!(now - storedAt < DATA_MAX_AGE_MS)) await cache.delete(request);
  }
}

/** A kept answer, marked so the page can tell it from a fresh one (and say how old it is). */
function fromCache(copy) {
  const headers = new Headers(copy.headers);
  headers.set('X-LMS-From-Cache', '1');
  return new Response(copy.body, { status: copy.status, statusText: copy.statusText, headers });
}

// The pages read the API through js/api.js, which gives them the JSON alone: the banner of
// js/offline.js learns from this message that (and how old) a copy is shown.
async function tellPage(clientId, about) {
  const client = clientId && (await self.clients.get(clientId));
  client?.postMessage({ type: 'lms:from-cache', ...about });
}
