/* The kiosk's service worker: a reload without network still shows the survey.

   Pages under the scope: network first (a fresh page, and a disabled tablet learns it at once),
   the cached copy when the network or the server fails. Script, style and icon: from the cache; a new version
   of any of them changes this file (CACHE below), which installs a fresh cache. Answers and the
   API are never touched here: kiosk.js keeps unsent answers in its own queue. */
'use strict';

const CACHE = {{ ("kiosk-assets-" ~ version)|tojson }};
const PAGES = 'kiosk-pages';
const ASSETS = {{ assets|tojson }};
const SCOPE = {{ scope|tojson }};
const DEFAULT_LANG = {{ default_lang|tojson }};
const MATCH = { ignoreVary: true };

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(ASSETS)).then(() => self.skipWaiting())
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(
        keys.filter((key) => key.startsWith('kiosk-assets-') && key !== CACHE)
          .map((key) => caches.delete(key))
      ))
      .then(() => self.clients.claim())
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) {
    return;
  }
  if (ASSETS.includes(url.pathname)) {
    event.respondWith(asset(request));
  } else if (request.mode === 'navigate' && url.pathname.startsWith(SCOPE)) {
    event.respondWith(page(request));
  }
});

// The page asks for its pages (both languages) to be kept, and hears when they are.
self.addEventListener('message', (event) => {
  const urls = event.data && event.data.warm;
  const port = event.ports && event.ports[0];
  if (!Array.isArray(urls)) {
    return;
  }
  event.waitUntil(
    warm(urls).then(
      () => port && port.postMessage({ ready: true }),
      () => port && port.postMessage({ ready: false })
    )
  );
});

// One copy per page and language: "/kiosk/T", "/kiosk/T?lang=vi" and "/kiosk/T?x=1" are the same.
function pageKey(href) {
  const url = new URL(href, self.location.href);
  const lang = url.searchParams.get('lang');
  return url.origin + url.pathname + (lang && lang !== DEFAULT_LANG ? '?lang=' + lang : '');
}

async function asset(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request, MATCH);
  if (cached) {
    return cached;
  }
  const response = await fetch(request);
  if (response.ok) {
    await cache.put(request, response.clone());
  }
  return response;
}

async function page(request) {
  const cache = await caches.open(PAGES);
  let response;
  try {
    response = await fetch(request);
  } catch (error) {
    const cached = await cache.match(pageKey(request.url), MATCH);
    if (cached) {
      return cached;
    }
    throw error;
  }
  if (response.ok) {
    await cache.put(pageKey(request.url), response.clone());
  } else if (response.status === 404 || response.status === 410) {
    await cache.delete(pageKey(request.url), MATCH);
  } else if (response.status >= 500) {
    // The server or the proxy in front of it is down: the survey still works from the copy.
    return (await cache.match(pageKey(request.url), MATCH)) || response;
  }
  return response;
}

async function warm(urls) {
  const cache = await caches.open(PAGES);
  for (const path of urls) {
    const url = new URL(path, self.location.href);
    if (url.origin !== self.location.origin || !url.pathname.startsWith(SCOPE)) {
      continue;
    }
    if (!(await cache.match(pageKey(url.href), MATCH))) {
      const response = await fetch(url.href, { credentials: 'same-origin' });
      if (response.ok) {
        await cache.put(pageKey(url.href), response);
      }
    }
  }
}
