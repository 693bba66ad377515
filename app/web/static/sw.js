// The app's own files for a school network that comes and goes: fetched from the server
// first (so a new release is used at once), from this cache when the network fails or
// stalls. Only the app's files under /app/ are handled; API calls go to the network
// untouched (the outbox keeps what must reach the server).
const CACHE = 'lms-app-v1';
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
  'js/dialogs.js',
  'js/dom.js',
  'js/download.js',
  'js/i18n.js',
  'js/i18n/en.js',
  'js/i18n/th.js',
  'js/main.js',
  'js/outbox.js',
  'js/pages/creator-reach.js',
  'js/pages/department-completion.js',
  'js/pages/department-utilisation.js',
  'js/pages/department-dashboard.js',
  'js/pages/department.js',
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

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin || !url.pathname.startsWith(SCOPE)) return;
  event.respondWith(networkFirst(request));
});

async function fromCache(request) {
  const cache = await caches.open(CACHE);
  return (await cache.match(request, { ignoreSearch: true, ignoreVary: true }))
    || (request.mode === 'navigate' ? cache.match('./') : undefined);
}

async function networkFirst(request) {
  const network = fetch(request).then(async (response) => {
    if (response.ok) {
      const cache = await caches.open(CACHE);
      await cache.put(request.mode === 'navigate' ? './' : request, response.clone());
    }
    return response;
  });
  let timer;
  const stalled = new Promise((resolve) => { timer = setTimeout(resolve, STALL_MS); });
  try {
    const first = await Promise.race([network, stalled.then(() => null)]);
    if (first) return first;
    // A stalled network: the cached copy now if there is one, else keep waiting.
    return (await fromCache(request)) || (await network);
  } catch (error) {
    const cached = await fromCache(request);
    if (cached) return cached;
    throw error;
  } finally {
    clearTimeout(timer);
    network.catch(() => {}); // a late failure after the cache answered is not an error
  }
}
