// Xingfu's service worker: pages for use without signal, and forms queued on the phone.
//
// Pages: every page opened (and the ones a signed-in page lists in data-offline-pages) is kept
// in the cache; without signal the kept copy is shown. Scripts and the stylesheet come from the
// cache first. Map tiles and the API are never kept.
//
// Forms: a form the page marked (offline.js adds submission_key, offline_label, offline_user
// when this worker controls the page) is sent with an Idempotency-Key; when the send fails it
// goes into the outbox (IndexedDB "xingfu-outbox", photos included) and the person is shown
// /offline. offline.js sends the outbox when the signal returns; the server saves each key once.
'use strict';
importScripts('/static/outbox.js');

const VERSION = 'xingfu-offline-1';
const PAGES = 'xingfu-pages';
const STATIC = 'xingfu-static-' + VERSION;
const SHELL = ['/offline', '/static/style.css', '/static/outbox.js', '/static/offline.js', '/static/icon.svg'];
const SEND_TIMEOUT_MS = 60000;
const MARKS = ['submission_key', 'offline_label', 'offline_user', 'offline_user_name', 'offline_form'];

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(STATIC).then((cache) => cache.addAll(SHELL.filter((u) => u.startsWith('/static/'))))
      .then(() => caches.open(PAGES))
      .then((cache) => cache.add('/offline'))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys
        .filter((k) => k.startsWith('xingfu-static-') && k !== STATIC)
        .map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

function kept(path) {
  return !path.startsWith('/tiles/') && !path.startsWith('/api/') && path !== '/sw.js'
    && !path.startsWith('/static/vendor/') && !path.startsWith('/files/');
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === 'POST' && request.mode === 'navigate') {
    event.respondWith(post(request));
    return;
  }
  if (request.method !== 'GET' || !kept(url.pathname)) return;
  if (request.mode === 'navigate') {
    event.respondWith(page(request));
  } else if (url.pathname.startsWith('/static/')) {
    event.respondWith(staticFile(request));
  }
});

self.addEventListener('message', (event) => {
  const data = event.data || {};
  if (data.type === 'keep' && Array.isArray(data.urls)) {
    event.waitUntil(keep(data.urls));
  }
});

async function keep(urls) {
  const cache = await caches.open(PAGES);
  for (const u of urls) {
    try {
      const response = await fetch(u, { credentials: 'same-origin' });
      if (keepable(response)) await cache.put(u, response);
    } catch (_) { /* no signal: keep what is kept */ }
  }
}

// A page worth keeping: whole, HTML, and not one the server says never to keep (the
// access-logged pages: attention lists, households' records).
function keepable(response) {
  return response.ok && !response.redirected
    && (response.headers.get('content-type') || '').startsWith('text/html')
    && !(response.headers.get('cache-control') || '').includes('no-store');
}

// Network first; the kept copy without signal; /offline when there is none.
async function page(request) {
  const cache = await caches.open(PAGES);
  try {
    const response = await fetch(request);
    if (keepable(response)) {
      cache.put(request, response.clone());
    }
    return response;
  } catch (error) {
    const copy = await cache.match(request) || await cache.match(request, { ignoreSearch: true });
    if (copy) return copy;
    const outbox = await cache.match('/offline');
    if (outbox) return Response.redirect('/offline?missing=' + encodeURIComponent(new URL(request.url).pathname), 303);
    throw error;
  }
}

async function staticFile(request) {
  const cache = await caches.open(STATIC);
  const copy = await cache.match(request);
  const fresh = fetch(request).then((response) => {
    if (response.ok) cache.put(request, response.clone());
    return response;
  });
  if (copy) {
    fresh.catch(() => {});
    return copy;
  }
  return fresh;
}

async function post(request) {
  // Signing out: the pages kept for this person go; the outbox stays (it names its sender).
  if (new URL(request.url).pathname === '/logout') {
    await caches.delete(PAGES);
    return fetch(request);
  }
  let form;
  try {
    form = await request.clone().formData();
  } catch (_) {
    return fetch(request);
  }
  const key = form.get('submission_key');
  if (!key) return fetch(request);
  const item = {
    key,
    url: request.url,
    multipart: (request.headers.get('content-type') || '').startsWith('multipart/'),
    label: form.get('offline_label') || '',
    user: form.get('offline_user') || '',
    userName: form.get('offline_user_name') || '',
    form: form.get('offline_form') || request.referrer || '',
    savedAt: Date.now(),
    entries: [],
  };
  for (const [name, value] of form.entries()) {
    if (!MARKS.includes(name)) item.entries.push([name, value]);
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), SEND_TIMEOUT_MS);
  try {
    const response = await fetch(new Request(item.url, {
      method: 'POST',
      body: self.XingfuOutbox.encode(item),
      headers: { 'Idempotency-Key': key },
      credentials: 'same-origin',
      redirect: 'manual',
      signal: controller.signal,
    }));
    clearTimeout(timer);
    return response;
  } catch (_) {
    clearTimeout(timer);
    await put(item);
    return Response.redirect('/offline?saved=' + encodeURIComponent(key), 303);
  }
}

async function put(item) {
  await self.XingfuOutbox.change('items', (store) => store.put(item));
}
