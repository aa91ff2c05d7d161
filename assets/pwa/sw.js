// Service worker: makes the app work offline.
//
// scripts/postbuild.py replaces PRECACHE below with this build's file list (every file of dist/
// with its sha256, and a version), so a new build is a new worker. It precaches exactly those
// files into a versioned cache, serves them cache-first, goes network-first for page loads (so a
// new index.html is seen at once when online, the cached one when offline) and for the batch
// worker's unhashed files (see NETWORK_FIRST), and removes older
// caches on activate. A new worker waits until the page says "reload" (see register-sw.js): files
// are never swapped under an open page.
'use strict';

const PRECACHE = /*PRECACHE_MANIFEST*/ { version: 'dev', files: [] };
const CACHE_PREFIX = 'reorder-';
const CACHE_NAME = CACHE_PREFIX + PRECACHE.version;
const INDEX = '/index.html';
// The batch worker's files keep the same names from build to build (a worker's URL is fixed in
// the app, so Trunk does not hash them): served cache-first, a new page could get the previous
// build's worker from this cache. They are served network-first instead, with the precached copy
// as the offline fallback (offline, the page is this worker's build too, so they match). The
// worker also states its protocol version and the page scores on the main thread when it differs
// (an old page still open after a redeploy meets a new worker that way): the handshake catches a
// mismatch, this keeps it from happening to a fresh page.
const NETWORK_FIRST = new Set(['/batch_worker_loader.js', '/batch_worker.js', '/batch_worker_bg.wasm']);

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(CACHE_NAME).then((cache) =>
      cache.addAll(PRECACHE.files.map((f) => new Request(f.url, { cache: 'reload' })))
    )
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names
            .filter((name) => name.startsWith(CACHE_PREFIX) && name !== CACHE_NAME)
            .map((name) => caches.delete(name))
        )
      )
      .then(() => self.clients.claim())
  );
});

self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'reorder:skip-waiting') {
    self.skipWaiting();
  }
});

async function networkFirstPage(request) {
  try {
    // The fresh page is not stored: offline, the page must stay the one of this worker's build,
    // whose files are the ones precached.
    return await fetch(request);
  } catch (error) {
    const cached = await caches.match(INDEX, { cacheName: CACHE_NAME });
    if (cached) return cached;
    throw error;
  }
}

async function networkFirstFile(request) {
  try {
    return await fetch(request);
  } catch (error) {
    const cached = await caches.match(request, { cacheName: CACHE_NAME, ignoreSearch: true });
    if (cached) return cached;
    throw error;
  }
}

async function cacheFirst(request) {
  const cached = await caches.match(request, { cacheName: CACHE_NAME, ignoreSearch: true });
  return cached || fetch(request);
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === 'navigate') {
    event.respondWith(networkFirstPage(request));
  } else if (NETWORK_FIRST.has(url.pathname)) {
    event.respondWith(networkFirstFile(request));
  } else if (PRECACHE.files.some((f) => f.url === url.pathname)) {
    event.respondWith(cacheFirst(request));
  }
});
