/* The field workspace's service worker (Workbox, served from node_modules through the static files).
 *
 * Loaded by /field/sw.js, which sets self.FIELD_SW (the URLs of the Workbox modules and of what to keep) first.
 * - The workspace and the report page: network first, the kept copy when there is no network.
 * - The workspace's data (the worker's cells and open cases): network first, the kept copy offline.
 * - Static files: the kept copy at once, refreshed in the background.
 * The page asks, once it is open, for everything it and the report page need to be kept (Workbox's CACHE_URLS
 * message, answered when all of it is stored), so one visit is enough to work offline.
 * Posts are never answered from here: the page queues what it sends (IndexedDB) and sends it when it can. */
/* global workbox */
"use strict";

(function () {
  const cfg = self.FIELD_SW;
  workbox.setConfig({
    debug: false,
    modulePathCb: function (name) {
      return cfg.modules[name];
    },
  });
  const routing = workbox.routing;
  const strategies = workbox.strategies;
  const expiration = workbox.expiration;

  // A page answered by a redirect (to the login page) or an error is never kept in place of the page.
  const onlyGood = {
    cacheWillUpdate: async function (args) {
      const r = args.response;
      return r && r.status === 200 && !r.redirected ? r : null;
    },
  };

  const pages = new Set(cfg.pages);
  routing.registerRoute(
    function (args) {
      return args.sameOrigin && pages.has(args.url.pathname) && args.request.method === "GET";
    },
    new strategies.NetworkFirst({
      cacheName: "field-pages-v" + cfg.version,
      networkTimeoutSeconds: 6,
      matchOptions: { ignoreSearch: true, ignoreVary: true },
      plugins: [onlyGood],
    })
  );

  const data = new Set(cfg.data);
  routing.registerRoute(
    function (args) {
      return args.sameOrigin && data.has(args.url.pathname);
    },
    new strategies.NetworkFirst({
      cacheName: "field-data-v" + cfg.version,
      networkTimeoutSeconds: 6,
      matchOptions: { ignoreSearch: true, ignoreVary: true },
      plugins: [onlyGood],
    })
  );

  routing.registerRoute(
    function (args) {
      return args.sameOrigin && args.url.pathname.startsWith(cfg.static);
    },
    new strategies.StaleWhileRevalidate({
      cacheName: "field-static-v" + cfg.version,
      plugins: [onlyGood, new expiration.ExpirationPlugin({ maxEntries: 200, maxAgeSeconds: 30 * 24 * 3600 })],
    })
  );

  self.addEventListener("install", function () {
    self.skipWaiting();
  });
  self.addEventListener("activate", function (event) {
    const keep = new Set(["field-pages-v", "field-data-v", "field-static-v"].map((n) => n + cfg.version));
    event.waitUntil(
      caches
        .keys()
        .then((names) =>
          Promise.all(names.filter((n) => n.startsWith("field-") && !keep.has(n)).map((n) => caches.delete(n)))
        )
        .then(() => self.clients.claim())
    );
  });
})();
