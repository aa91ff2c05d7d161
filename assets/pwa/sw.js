// Service worker: makes the app work offline.
//
// scripts/postbuild.py replaces PRECACHE below with this build's file list (every file of dist/
// with its sha256, and a version), so a new build is a new worker. It precaches exactly those
// files into a versioned cache (each file checked against its sha256: a half-deployed server
// fails the install instead of filling the cache with another build's files), serves them
// cache-first, goes network-first for page loads (so a new index.html is seen at once when
// online; the cached one when offline, when the server answers 5xx, as a host that is restarting
// or building does, or when it has not answered in NAVIGATION_TIMEOUT_MS) and for the batch
// worker's unhashed files (see NETWORK_FIRST). A new worker waits until the page says "reload"
// (see register-sw.js): files are never swapped under an open page. An older build's cache is
// kept while a tab that was open before this worker took over is still open (such a tab runs the
// older build and may still fetch its content-addressed files, which the server no longer has),
// and deleted once none is.
'use strict';

const PRECACHE = /*PRECACHE_MANIFEST*/ { version: 'dev', files: [] };
// The path the app is served under (`/`, or `/tools/reorder/` when built with PUBLIC_URL): this
// worker's own folder, which is also its scope.
const BASE = new URL('./', self.location.href).pathname;
const CACHE_PREFIX = 'reorder-';
const CACHE_NAME = CACHE_PREFIX + PRECACHE.version;
const INDEX = BASE + 'index.html';
const NAVIGATION_TIMEOUT_MS = 4000;
// Ids of the window clients open when this worker activated (they run an older build), kept in a
// cache entry because a service worker's memory does not outlive its idle periods.
const RETIRED_CLIENTS = new Request(BASE + '__reorder_retired_clients__');
const META_CACHE = CACHE_PREFIX + 'meta';
// The app worker's files keep the same names from build to build (a worker's URL is fixed in
// the app, so Trunk does not hash them): served cache-first, a new page could get the previous
// build's worker from this cache. They are served network-first instead, with the precached copy
// as the offline fallback (offline, the page is this worker's build too, so they match). The
// worker also states its protocol version and the page scores on the main thread when it differs
// (an old page still open after a redeploy meets a new worker that way): the handshake catches a
// mismatch, this keeps it from happening to a fresh page.
const NETWORK_FIRST = new Set(['reorder_worker_loader.js', 'reorder_worker.js', 'reorder_worker_bg.wasm'].map((name) => BASE + name));

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
}

// Fetches every file of the build, checks it against the sha256 the build listed, and only then
// stores them all: a file that differs (the server has another build's) fails the install.
async function precache() {
  const responses = await Promise.all(
    PRECACHE.files.map(async (file) => {
      const response = await fetch(new Request(file.url, { cache: 'reload' }));
      if (!response.ok) throw new Error(`precache: ${file.url} answered ${response.status}`);
      const digest = hex(await crypto.subtle.digest('SHA-256', await response.clone().arrayBuffer()));
      if (digest !== file.sha256) {
        throw new Error(`precache: ${file.url} has sha256 ${digest}, this build lists ${file.sha256}`);
      }
      return [file.url, response];
    })
  );
  const cache = await caches.open(CACHE_NAME);
  await Promise.all(responses.map(([url, response]) => cache.put(url, response)));
}

self.addEventListener('install', (event) => {
  event.waitUntil(precache());
});

// Deletes the older builds' caches once no tab that was open before this worker took over
// remains (the tabs opened or reloaded since run this build).
async function dropRetiredCaches() {
  const meta = await caches.open(META_CACHE);
  const stored = await meta.match(RETIRED_CLIENTS);
  const retired = stored ? await stored.json() : [];
  const open = new Set((await self.clients.matchAll({ type: 'window', includeUncontrolled: true })).map((c) => c.id));
  const still = retired.filter((id) => open.has(id));
  if (still.length > 0) {
    if (still.length !== retired.length) await meta.put(RETIRED_CLIENTS, Response.json(still));
    return;
  }
  await meta.delete(RETIRED_CLIENTS);
  const names = await caches.keys();
  await Promise.all(
    names
      .filter((name) => name.startsWith(CACHE_PREFIX) && name !== CACHE_NAME && name !== META_CACHE)
      .map((name) => caches.delete(name))
  );
}

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      const open = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const meta = await caches.open(META_CACHE);
      await meta.put(RETIRED_CLIENTS, Response.json(open.map((client) => client.id)));
      await dropRetiredCaches();
      await self.clients.claim();
    })()
  );
});

self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'reorder:skip-waiting') {
    self.skipWaiting();
  }
});

async function cachedPage(reason) {
  const cached = await caches.match(INDEX, { cacheName: CACHE_NAME });
  if (cached) return cached;
  throw reason;
}

async function networkFirstPage(request) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), NAVIGATION_TIMEOUT_MS);
  let response;
  try {
    // The fresh page is not stored: offline, the page must stay the one of this worker's build,
    // whose files are the ones precached.
    // `reload`: the page (a few KB) always comes whole from the server, whatever cache headers
    // it sends: a plain static host sends none (a browser may then reuse a page heuristically
    // for hours), and its Last-Modified validator can go back in time with a redeploy (files
    // restored with older dates), when a revalidation would keep the previous build's page.
    response = await fetch(request, { signal: controller.signal, cache: 'reload' });
  } catch (error) {
    return cachedPage(error);
  } finally {
    clearTimeout(timer);
  }
  // A server error (a 502 from a proxy, a 503 while the host restarts or builds) is no page.
  if (response.status >= 500) {
    return cachedPage(new Error(`navigation answered ${response.status}`)).catch(() => response);
  }
  // A host that knows nothing of the app answers a path it has no file for with a 404: inside
  // the app's folder every path is the app's, whose router shows the route or its own "not
  // found" page.
  if (response.status === 404) {
    return cachedPage(new Error('navigation answered 404')).catch(() => response);
  }
  return response;
}

// A same-origin file that is not this build's: a tab still running an older build asks for one
// of its content-addressed files, which that build's cache holds (kept while such a tab is open).
async function olderBuildFile(request) {
  const cached = await caches.match(request, { ignoreSearch: true });
  return cached || fetch(request);
}

async function networkFirstFile(request) {
  try {
    return await fetch(request, { cache: 'no-cache' });
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
    event.waitUntil(dropRetiredCaches());
  } else if (NETWORK_FIRST.has(url.pathname)) {
    event.respondWith(networkFirstFile(request));
  } else if (PRECACHE.files.some((f) => f.url === url.pathname)) {
    event.respondWith(cacheFirst(request));
  } else if (url.pathname !== BASE + 'sw.js') {
    event.respondWith(olderBuildFile(request));
  }
});
