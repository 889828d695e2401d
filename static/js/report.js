/* The report page (/cases/report/): a report goes through the field workspace's queue (static/js/field-queue.js).
 *
 * Submitting saves the report on the phone first (IndexedDB, photos kept as Blobs) with an id made here (a UUID),
 * then sends it; without a network it waits, counted as "waiting to send", and is sent once the network is back
 * (the `online` event, the next time the page opens, or every 15 s while online). The server answers the same case
 * for the same id, so a retry after a lost answer never makes a second case. Each report carries the account it
 * was made under (none when signed out) and is sent only while the page belongs to that account; the server refuses
 * it under any other session too, and it stays on the phone. Without this script the form posts as before. */
(function () {
  "use strict";

  var form = document.getElementById("report-form");
  if (!form || !window.gridworkQueue || !window.idb || !window.indexedDB) return;
  var readJSON = window.gridwork.readJSON;
  var esc = window.gridwork.esc;
  var cfg = readJSON("report-config");
  var t = readJSON("cases-i18n");
  function $(id) {
    return document.getElementById(id);
  }

  function say(text) {
    $("queue-message").textContent = text || "";
  }

  function setCount(n) {
    var count = $("queue-count");
    count.textContent = String(n);
    count.dataset.count = String(n);
  }

  var queue = window.gridworkQueue.open({
    user: cfg.user,
    onChange: function () { return show(); },
    onProgress: setCount,
    onSignIn: function (message) { say(message || t.signIn); },
    onSettled: follow,
  });

  // A report sent at once (with a network) opens its tracking page, as the form did; one that had to wait stays
  // listed here with a link to it.
  var following = null;
  function follow() {
    if (!following) return null;
    return queue.lists().then(function (lists) {
      var id = following;
      var done = lists.done.filter(function (d) { return d.id === id; })[0];
      if (done && done.status === "sent" && done.url) { window.location.assign(done.url); return; }
      var waiting = lists.queue.filter(function (q) { return q.id === id; })[0];
      if (!waiting || waiting.attempts) following = null;
    });
  }
  window.addEventListener("offline", function () { following = null; });

  function show() {
    return queue.lists().then(function (lists) {
      setCount(lists.queue.length);
      var rows = lists.queue.map(function (q) {
        var retry = q.attempts ? " · " + esc(t.retrying) : "";
        return '<li class="pending">' + esc(q.label) + " · <em>" + esc(t.pending) + "</em>" + retry + "</li>";
      });
      lists.others.forEach(function (q) {
        rows.push('<li class="other-account">' + esc(q.label) + " · <em>" + esc(t.otherAccount) + "</em></li>");
      });
      lists.done.filter(function (d) { return d.kind === "report-page"; }).slice(0, 10).forEach(function (d) {
        var link = d.url ? ' <a href="' + esc(d.url) + '">' + esc(d.status === "sent" ? t.follow : t.existing) + "</a>" : "";
        var what = d.status === "sent" ? t.sent + (d.number ? " · " + d.number : "") : t.refused + ": " + d.message;
        rows.push('<li class="' + esc(d.status) + '">' + esc(d.label) + " · " + esc(what) + link + "</li>");
      });
      $("outbox").innerHTML = rows.join("");
    });
  }

  function showNet() {
    var net = $("net");
    net.dataset.online = navigator.onLine ? "1" : "0";
    net.textContent = navigator.onLine ? t.online : t.offline;
  }
  window.addEventListener("online", showNet);
  window.addEventListener("offline", showNet);

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (!$("id_lon").value || !$("id_lat").value) { say(t.needLocation); return; }
    var id = window.gridworkQueue.uuid();
    var fields = {};
    var files = [];
    new FormData(form).forEach(function (value, key) {
      if (key === "csrfmiddlewaretoken") return; // the cookie's token is sent at sending time (it may change)
      if (typeof value === "string") fields[key] = value;
      else if (value.size) files.push({ blob: value, name: value.name || "photo.jpg" });
    });
    fields.client_id = id;
    var category = $("id_category");
    var label = category.selectedIndex > 0 ? category.options[category.selectedIndex].textContent : t.report;
    // What was said about this report is cleared; the place and the reporter's contact stay for the next one.
    category.value = "";
    $("id_description").value = "";
    $("id_photos").value = "";
    $("id_asset").value = "";
    say(t.queued);
    following = navigator.onLine ? id : null;
    $("sync").scrollIntoView({ block: "start" }); // the count and the list are above the form
    queue.enqueue({ id: id, kind: "report-page", url: cfg.reportPage, fields: fields, files: files, label: label });
  });

  // The service worker keeps this page and its files, so that it opens without a network after one visit.
  if (cfg.sw) {
    window.gridworkQueue.keepForOffline(cfg.sw, [cfg.reportPage], cfg.keep || []).then(function (kept) {
      if (kept) {
        $("offline-ready").hidden = false;
        document.body.dataset.offlineReady = "1";
      }
    });
  }

  window.gridworkReport = { flush: queue.flush };
  showNet();
  show().then(function () { return queue.flush(); });
})();
