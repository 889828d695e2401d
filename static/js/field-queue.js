/* The offline queue of the field workspace (/field/) and of the report page (/cases/report/), and what keeps those
 * pages for offline use. Loaded after idb (vendor/idb/umd.js); window.gridworkQueue.
 *
 * Everything a page sends is saved first in IndexedDB (database "gridwork-field", store "queue") with an id made on
 * the phone (a UUID), then sent; without a network it waits ("waiting to send") and is sent once the network is back.
 * The server answers the same record for the same id, so a retry never makes a second case or step.
 *
 * Each item carries the account that queued it (the user's id, null when signed out): it is sent only while the page
 * belongs to that same account (on a shared phone another account's items wait, shown as such). A 5xx, a 429 or a
 * network error puts the item back with a growing delay (10 s, 20 s, 40 s … up to 10 minutes) without holding the
 * items behind it; after a network error the delay ends when the network comes back (the `online` event); any other
 * 4xx is the server's answer: the item leaves the queue, kept in "done" with the message. */
(function () {
  "use strict";

  var RETRY_MS = 10000;
  var RETRY_MAX_MS = 600000;
  var SEND_LANES = 4;
  // A send that has not been answered after this long is given up and tried again later, like a network error: one
  // request that never settles (a stalled connection) must not hold the queue, whose round of sending waits on it.
  var SEND_TIMEOUT_MS = 120000;

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function csrfToken() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function firstMessage(body) {
    if (!body) return "";
    if (body.detail) return body.detail;
    var keys = Object.keys(body);
    for (var i = 0; i < keys.length; i++) {
      var v = body[keys[i]];
      if (Array.isArray(v) && v.length) return String(v[0]);
    }
    return "";
  }

  function formOf(item) {
    var form = new FormData();
    Object.keys(item.fields).forEach(function (k) { form.append(k, item.fields[k]); });
    // The account it was made under: the server refuses it under any other session (a page kept from before).
    // (Items queued before accounts were kept carry none.)
    if (!("account" in item.fields) && item.user !== undefined) {
      form.append("account", item.user === null ? "" : String(item.user));
    }
    (item.files || []).forEach(function (f) { form.append("photos", f.blob, f.name); });
    return form;
  }

  /* opts: user (the page's account id, null when signed out); onChange() after an item is queued or the sending
   * stops (may return a promise); onProgress(count) after each item leaves the queue; onSignIn(message) when the
   * server wants another session (sign in again, or the page belongs to another account than the session);
   * onSettled(sentAny) after a round of sending. */
  function open(opts) {
    var user = opts.user === undefined ? null : opts.user;
    var noop = function () { return null; };
    var onChange = opts.onChange || noop;
    var onProgress = opts.onProgress || noop;
    var onSignIn = opts.onSignIn || noop;
    var onSettled = opts.onSettled || noop;
    var dbp = idb.openDB("gridwork-field", 1, {
      upgrade: function (db) {
        db.createObjectStore("queue", { keyPath: "id" });
        db.createObjectStore("done", { keyPath: "id" });
      },
    });

    function mine(item) {
      return item.user === undefined || item.user === user;
    }

    function enqueue(item) {
      item.created = Date.now();
      item.user = user;
      item.attempts = 0;
      item.nextAt = 0;
      return dbp
        .then(function (db) { return db.put("queue", item); })
        .then(function () { return onChange(); })
        .then(function () { flush(); });
    }

    /* {queue: this account's items, others: other accounts' items, done: this account's sent or refused items,
     * newest first}. */
    function lists() {
      return dbp.then(function (db) {
        return Promise.all([db.getAll("queue"), db.getAll("done")]).then(function (res) {
          var done = res[1].filter(mine);
          done.sort(function (a, b) { return b.at - a.at; });
          return {
            queue: res[0].filter(mine),
            others: res[0].filter(function (q) { return !mine(q); }),
            done: done,
          };
        });
      });
    }

    function count() {
      return dbp.then(function (db) { return db.getAll("queue"); }).then(function (items) {
        return items.filter(mine).length;
      });
    }

    var flushing = false;
    var flushAgain = false;
    var sending = 0; // requests on their way

    function flush() {
      if (flushing) { flushAgain = true; return Promise.resolve(); }
      flushing = true;
      var sentAny = false;
      return dbp
        .then(function (db) {
          return db.getAll("queue").then(function (items) {
            items.sort(function (a, b) { return a.created - b.created; });
            var now = Date.now();
            items = items.filter(function (item) { return mine(item) && !(item.nextAt > now); });
            // network: the send met a network error (or its time ran out), not an answer of the server.
            function later(item, network) {
              item.attempts = (item.attempts || 0) + 1;
              item.nextAt = Date.now() + Math.min(RETRY_MS * Math.pow(2, item.attempts - 1), RETRY_MAX_MS);
              item.networkError = !!network;
              return db.put("queue", item).then(function () { return "next"; });
            }
            function send(item) {
              var abort = typeof AbortController === "function" ? new AbortController() : null;
              var timer = abort ? setTimeout(function () { abort.abort(); }, SEND_TIMEOUT_MS) : null;
              sending++;
              return fetch(item.url, {
                method: "POST",
                body: formOf(item),
                credentials: "same-origin",
                headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
                signal: abort ? abort.signal : undefined,
              }).finally(function () { clearTimeout(timer); sending--; }).then(
                function (r) {
                  return r.json().catch(function () { return null; }).then(function (body) {
                    if (r.status >= 500 || r.status === 429) return later(item);
                    var code = body && body.code;
                    if (((r.status === 401 || r.status === 403) && !code) || code === "account") {
                      onSignIn(code === "account" ? firstMessage(body) : "");
                      return "stop";
                    }
                    var done = { id: item.id, kind: item.kind, label: item.label, at: Date.now(), caseId: item.caseId || null, user: item.user };
                    if (r.ok) {
                      done.status = "sent";
                      done.url = body && body.url;
                      done.number = body && body.number;
                    } else {
                      done.status = "refused";
                      done.message = firstMessage(body);
                      done.url = body && body.case ? body.case.url : null;
                    }
                    sentAny = true;
                    var tx = db.transaction(["queue", "done"], "readwrite");
                    tx.objectStore("done").put(done);
                    tx.objectStore("queue").delete(item.id);
                    return tx.done.then(count).then(onProgress);
                  });
                },
                function () { return navigator.onLine ? later(item, true) : "stop"; } // no network: it waits
              );
            }
            // Up to SEND_LANES items are on their way at once (one by one, the sync is the sum of every round
            // trip); the items of one case stay in order, one after the other.
            var chains = [];
            var chainOf = {};
            items.forEach(function (item) {
              var key = item.caseId ? "case-" + item.caseId : "item-" + item.id;
              if (!chainOf[key]) { chainOf[key] = []; chains.push(chainOf[key]); }
              chainOf[key].push(item);
            });
            var stopped = false;
            function runChain(chain, i) {
              if (stopped || i >= chain.length) return null;
              return send(chain[i]).then(function (result) {
                if (result === "stop") { stopped = true; return null; }
                return runChain(chain, i + 1);
              });
            }
            function lane() {
              if (stopped || !chains.length) return null;
              return Promise.resolve(runChain(chains.shift(), 0)).then(lane);
            }
            var lanes = [];
            for (var l = 0; l < Math.min(SEND_LANES, chains.length); l++) lanes.push(lane());
            return Promise.all(lanes);
          });
        })
        .catch(function () { return null; })
        .then(function () {
          flushing = false;
          return onChange();
        })
        .then(function () { return onSettled(sentAny); })
        .then(function () {
          if (flushAgain) { flushAgain = false; return flush(); }
        });
    }

    /* The network is back: what was put back after a network error is due now, not after its delay (a dropped
     * network often fails a send before the phone notices it is offline, and the delay grows to 10 minutes); what
     * the server asked to wait (5xx, 429) keeps its delay. Then everything due is sent. */
    function networkBack() {
      return dbp
        .then(function (db) {
          return db.getAll("queue").then(function (items) {
            var now = Date.now();
            return Promise.all(items.filter(function (item) { return item.networkError && item.nextAt > now; }).map(function (item) {
              item.nextAt = now;
              return db.put("queue", item);
            }));
          });
        })
        .catch(function () { return null; })
        .then(function () { return flush(); });
    }

    // Sent when the network comes back, and every 15 s while there is one (items put back after a server error are
    // due again by then); a page also calls flush() once it is open.
    window.addEventListener("online", networkBack);
    setInterval(function () { if (navigator.onLine) flush(); }, 15000);

    /* What the queue is doing, for a look from outside (the benchmark's report when a wait stalls). */
    function state() {
      return { flushing: flushing, flushAgain: flushAgain, sending: sending, onLine: navigator.onLine };
    }

    return { db: dbp, enqueue: enqueue, flush: flush, lists: lists, count: count, mine: mine, state: state };
  }

  /* The same-origin script, style, manifest and icon URLs of a document. */
  function resourcesOf(doc, base) {
    var urls = [];
    doc.querySelectorAll("script[src], link[rel=stylesheet][href], link[rel=manifest][href], link[rel=icon][href]").forEach(function (el) {
      var u = new URL(el.getAttribute("src") || el.getAttribute("href"), base);
      if (u.origin === location.origin) urls.push(u.pathname + u.search);
    });
    return urls;
  }

  /* Registers the service worker (scope /) and asks it to keep `pages` (URLs of pages whose own files are kept
   * too), this page's files and `extra` URLs; resolves once all of it is stored (Workbox's CACHE_URLS message).
   * Offline, resolves with whether this page is already kept. */
  function keepForOffline(swUrl, pages, extra) {
    if (!("serviceWorker" in navigator)) return Promise.resolve(false);
    return navigator.serviceWorker
      .register(swUrl, { scope: "/" })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function (reg) {
        if (!navigator.onLine) {
          return caches.match(location.pathname, { ignoreSearch: true }).then(function (hit) { return !!hit; });
        }
        var urls = pages.concat(extra || [], resourcesOf(document, location.href));
        performance.getEntriesByType("resource").forEach(function (e) {
          var u = new URL(e.name);
          if (u.origin === location.origin && u.pathname.indexOf("/static/") === 0) urls.push(u.pathname + u.search);
        });
        var others = pages.filter(function (p) { return p !== location.pathname; });
        return Promise.all(others.map(function (p) {
          return fetch(p, { credentials: "same-origin" })
            .then(function (r) { return r.ok && !r.redirected ? r.text() : ""; })
            .then(function (html) {
              if (html) urls = urls.concat(resourcesOf(new DOMParser().parseFromString(html, "text/html"), location.origin + p));
            })
            .catch(function () { return null; });
        })).then(function () {
          var unique = urls.filter(function (u, i) { return urls.indexOf(u) === i; });
          return new Promise(function (resolve) {
            var channel = new MessageChannel();
            channel.port1.onmessage = function () { resolve(true); };
            reg.active.postMessage({ type: "CACHE_URLS", payload: { urlsToCache: unique } }, [channel.port2]);
          });
        });
      })
      .catch(function () { return false; });
  }

  window.gridworkQueue = { open: open, uuid: uuid, csrfToken: csrfToken, keepForOffline: keepForOffline };
})();
