/* The field workspace (/field/): what waits for the worker, one-hand reporting and verification, offline.
 *
 * Everything the worker sends goes through a queue in IndexedDB (idb): an item is saved first, with an id made
 * on the phone (a UUID), then sent; without a network it waits ("waiting to send") and is sent once the network
 * is back. The server answers the same case for the same id, so a retry never makes a second case or step.
 * The service worker (/field/sw.js, Workbox) keeps this page, the report page, their static files and the
 * worker's data, so the page opens without a network after one visit. */
(function () {
  "use strict";

  var readJSON = window.gridwork.readJSON;
  var esc = window.gridwork.esc;
  function $(id) {
    return document.getElementById(id);
  }
  var uuid = window.gridworkQueue.uuid;

  var cfg = readJSON("field-config");
  var W = readJSON("field-words");
  var state = { tasks: [], cases: [], due: [], pendingCases: {}, pendingDue: {}, current: null, panel: "inbox" };

  // --- the queue (static/js/field-queue.js: IndexedDB, a UUID per item, per-account, retries with backoff) -------
  var queue = window.gridworkQueue.open({
    user: cfg.user,
    onChange: function () { return showQueue(); },
    onProgress: function (n) {
      var count = $("queue-count");
      count.textContent = String(n);
      count.dataset.count = String(n);
    },
    onSignIn: function (message) {
      $("sync").dataset.signIn = "1";
      setMessage("report-error", message || W.signIn);
    },
    onSettled: function (sentAny) { if (sentAny && navigator.onLine) loadData(); },
  });
  var enqueue = queue.enqueue;
  var flush = queue.flush;

  function showQueue() {
    return queue.lists().then(function (lists) {
      var waiting = lists.queue;
      var count = $("queue-count");
      count.textContent = String(waiting.length);
      count.dataset.count = String(waiting.length);
      state.pendingCases = {};
      state.pendingDue = {};
      waiting.forEach(function (q) {
        if (q.caseId) state.pendingCases[q.caseId] = true;
        if (q.dueKey) state.pendingDue[q.dueKey] = true;
      });
      var rows = waiting.map(function (q) {
        var retry = q.attempts ? " · " + esc(W.retrying) : "";
        return '<li class="pending">' + esc(q.label) + ' · <em>' + esc(W.pending) + "</em>" + retry + "</li>";
      });
      lists.others.forEach(function (q) {
        rows.push('<li class="other-account">' + esc(q.label) + " · <em>" + esc(W.otherAccount) + "</em></li>");
      });
      lists.done.slice(0, 20).forEach(function (d) {
        var link = d.url ? ' <a href="' + esc(d.url) + '">' + esc(d.status === "sent" ? W.open : W.existing) + "</a>" : "";
        var what = d.status === "sent" ? W.sent + (d.number ? " · " + W.caseN + " " + d.number : "") : W.refused + ": " + d.message;
        rows.push('<li class="' + esc(d.status) + '">' + esc(d.label) + " · " + esc(what) + link + "</li>");
      });
      $("outbox").innerHTML = rows.join("");
      renderLists();
    });
  }

  function setMessage(id, text) {
    var el = $(id);
    if (el) el.textContent = text || "";
  }

  // --- network state and offline readiness -----------------------------------------------------------------------
  function showNet() {
    var net = $("net");
    net.dataset.online = navigator.onLine ? "1" : "0";
    net.textContent = navigator.onLine ? W.online : W.offline;
  }
  window.addEventListener("online", showNet); // the queue sends what waits when the network is back
  window.addEventListener("offline", showNet);

  // The service worker keeps this page, the report page, their files and the worker's data (one visit is enough).
  window.gridworkQueue.keepForOffline(cfg.urls.sw, [cfg.urls.workspace, cfg.urls.reportPage], [cfg.urls.data]).then(function (kept) {
    if (kept) {
      $("offline-ready").hidden = false;
      document.body.dataset.offlineReady = "1";
    }
  });

  // --- map -------------------------------------------------------------------------------------------------------
  var map = L.map("map", { zoomControl: true }).setView(cfg.center, cfg.zoom);
  if (cfg.tiles) L.tileLayer(cfg.tiles.url, { attribution: cfg.tiles.attribution, maxZoom: 19 }).addTo(map);
  var cellLayer = L.geoJSON(null, { style: { color: "#1f5f8b", weight: 2, fillOpacity: 0.05 } }).addTo(map);
  var caseLayer = L.layerGroup().addTo(map);
  var hereMarker = null;

  function caseColour(row) {
    if (row.overdue) return "#c0392b";
    if (row.task === "verify") return "#e67e22";
    if (row.task) return "#2471a3";
    return "#7f8c8d";
  }

  function drawCases() {
    caseLayer.clearLayers();
    state.tasks.concat(state.cases).forEach(function (row) {
      var m = L.circleMarker([row.lat, row.lon], { radius: row.task ? 9 : 6, color: "#fff", weight: 2, fillColor: caseColour(row), fillOpacity: 0.9 });
      m.on("click", function () { if (state.panel !== "report") openCase(row); });
      m.addTo(caseLayer);
    });
  }

  // --- data: what waits, the cells, open cases -----------------------------------------------------------------------
  function loadData() {
    return fetch(cfg.urls.data, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error(String(r.status));
        return r.json();
      })
      .then(function (data) {
        state.tasks = data.tasks;
        state.cases = data.cases;
        state.due = (data.due || []).filter(function (r) { return r.kind === "inspection"; });
        state.notes = data.notes || [];
        $("data-age").textContent = data.generated;
        cellLayer.clearLayers();
        cellLayer.addData(data.cells);
        if (cellLayer.getLayers().length && !state.fitted) {
          map.fitBounds(cellLayer.getBounds(), { animate: false });
          state.fitted = true;
        }
        drawCases();
        renderLists();
        document.body.dataset.loaded = "1";
      })
      .catch(function () { return null; });
  }

  function itemHTML(row) {
    var flags = "";
    if (row.overdue) flags += '<span class="flag overdue">' + esc(W.overdue) + "</span>";
    else if (row.hours_left !== null) flags += '<span class="flag">' + esc(row.hours_left) + " " + esc(W.hoursLeft) + "</span>";
    if (row.task) flags += '<span class="flag task">' + esc({ verify: W.toVerify, close: W.toClose }[row.task] || W.toHandle) + "</span>";
    if (state.pendingCases[row.id]) flags += '<span class="flag pending">' + esc(W.pending) + "</span>";
    return (
      '<button type="button" class="item" data-id="' + row.id + '">' +
      '<strong>' + esc(row.category) + "</strong> " + flags +
      '<span class="meta">' + esc(W.caseN) + " " + esc(row.number) + " · " + esc(row.state_label) + (row.address ? " · " + esc(row.address) : "") + "</span>" +
      "</button>"
    );
  }

  function renderLists() {
    $("inbox").innerHTML = state.tasks.length
      ? state.tasks.map(function (r) { return "<li>" + itemHTML(r) + "</li>"; }).join("")
      : '<li class="muted">' + esc(W.noTasks) + "</li>";
    $("others").innerHTML = state.cases.map(function (r) { return "<li>" + itemHTML(r) + "</li>"; }).join("");
    $("others-title").hidden = !state.cases.length;
    var due = state.due.filter(function (r) { return !state.pendingDue[dueKey(r)]; });
    $("due").innerHTML = due.map(function (r) {
      return "<li>" + dueHTML(r) + "</li>";
    }).join("");
    $("due-title").hidden = !due.length;
    var notes = state.notes || [];
    $("notes").innerHTML = notes.map(function (n) {
      return (
        '<li class="note"><a href="' + esc(cfg.urls.detail.replace("/0/", "/" + n.case + "/")) + '">' +
        esc(W.caseN) + " " + esc(n.number) + "</a> · " + esc(n.message) + ' <span class="muted">' + esc(n.at) + "</span></li>"
      );
    }).join("");
    $("notes-title").hidden = !notes.length;
    $("inbox-count").textContent = String(state.tasks.length + due.length);
  }

  function dueKey(r) {
    return [r.checklist, r.cell_id, r.asset || 0, r.period_start].join("-");
  }

  function dueHTML(r) {
    var flags = '<span class="flag' + (r.days_left <= 0 ? " overdue" : "") + '">' + esc(W.dueOn) + " " + esc(r.due_on) + "</span>";
    return (
      '<button type="button" class="item inspection" data-due="' + esc(dueKey(r)) + '">' +
      "<strong>" + esc(r.name) + "</strong> " + flags +
      '<span class="meta">' + esc(r.cell) + (r.asset_name ? " · " + esc(r.asset_name) : "") + " · " + esc(r.period) + "</span>" +
      "</button>"
    );
  }

  function rowById(id) {
    var all = state.tasks.concat(state.cases, state.found || []);
    for (var i = 0; i < all.length; i++) if (all[i].id === id) return all[i];
    return null;
  }

  document.addEventListener("click", function (e) {
    var item = e.target.closest("button.item[data-id]");
    if (item) {
      var row = rowById(Number(item.dataset.id));
      if (row) openCase(row);
    }
    var due = e.target.closest("button.item[data-due]");
    if (due) {
      var found = state.due.filter(function (r) { return dueKey(r) === due.dataset.due; })[0];
      if (found) openInspection(found);
    }
  });

  // --- panels --------------------------------------------------------------------------------------------------
  function showPanel(name) {
    state.panel = name;
    ["inbox", "case", "inspect", "report", "patrol", "search"].forEach(function (p) { $("panel-" + p).hidden = p !== name; });
    document.querySelectorAll(".field-tabs .tab").forEach(function (t) {
      t.setAttribute("aria-selected", t.dataset.panel === name ? "true" : "false");
    });
  }
  document.querySelectorAll(".field-tabs .tab").forEach(function (t) {
    t.addEventListener("click", function () {
      showPanel(t.dataset.panel);
      if (t.dataset.panel === "report") startReport();
    });
  });
  $("case-back").addEventListener("click", function () { showPanel("inbox"); });

  // --- one case: its place and its step ----------------------------------------------------------------------------
  function openCase(row) {
    state.current = row;
    showPanel("case");
    map.setView([row.lat, row.lon], 18, { animate: false });
    $("case-info").innerHTML =
      "<h2>" + esc(row.category) + "</h2>" +
      "<p>" + esc(W.caseN) + " " + esc(row.number) + " · " + esc(row.state_label) + (row.overdue ? ' <span class="flag overdue">' + esc(W.overdue) + "</span>" : "") + "</p>" +
      (row.address ? "<p>" + esc(row.address) + "</p>" : "") +
      (row.description ? "<p>" + esc(row.description) + "</p>" : "") +
      '<p class="muted">' + esc(row.reported) + (row.deadline ? " → " + esc(row.deadline) : "") + "</p>" +
      '<p><a href="' + esc(cfg.urls.detail.replace("/0/", "/" + row.id + "/")) + '">' + esc(W.open) + "</a></p>";
    $("case-note").value = "";
    $("case-photo").value = "";
    $("case-photo-name").textContent = "";
    setMessage("case-error", "");
    var pending = state.pendingCases[row.id];
    $("case-actions").innerHTML = pending
      ? '<p class="flag pending">' + esc(W.pending) + "</p>"
      : (row.actions || []).map(function (a) {
          return '<button type="button" class="big ' + (a === "fail" ? "danger" : "primary") + '" data-act="' + esc(a) + '">' + esc(W[a] || a) + "</button>";
        }).join("");
  }
  $("case-photo").addEventListener("change", function () {
    var f = this.files[0];
    $("case-photo-name").textContent = f ? f.name : "";
  });
  $("case-actions").addEventListener("click", function (e) {
    var btn = e.target.closest("button[data-act]");
    if (!btn || !state.current) return;
    var action = btn.dataset.act;
    var row = state.current;
    var note = $("case-note").value.trim();
    if (action === "fail" && !note) { setMessage("case-error", W.needReason); return; }
    var photo = $("case-photo").files[0];
    var id = uuid();
    var url = cfg.urls.act.replace("/0/ACTION/", "/" + row.id + "/" + action + "/");
    enqueue({
      id: id,
      kind: "act",
      url: url,
      caseId: row.id,
      fields: { client_id: id, note: note },
      files: photo ? [{ blob: photo, name: photo.name || "photo.jpg" }] : [],
      label: (W[action] || action) + " · " + W.caseN + " " + row.number,
    });
    showPanel("inbox");
  });

  // --- an inspection due: each item passed or failed (a failed one opens a rectification case), a photo, send -------
  function openInspection(row) {
    state.inspecting = row;
    showPanel("inspect");
    map.setView([row.lat, row.lon], 18, { animate: false });
    $("inspect-info").innerHTML =
      "<h2>" + esc(row.name) + "</h2>" +
      "<p>" + esc(row.cell) + (row.asset_name ? " · " + esc(row.asset_name) : "") + " · " + esc(W.dueOn) + " " + esc(row.due_on) + "</p>" +
      '<p class="muted">' + esc(W.failedOpens) + "</p>";
    $("inspect-items").innerHTML = row.items.map(function (it) {
      return (
        '<li data-item="' + it.id + '"><p>' + esc(it.text) + "</p>" +
        '<div class="chips" role="radiogroup">' +
        '<button type="button" class="chip" role="radio" aria-checked="false" data-pass="1">' + esc(W.pass) + "</button>" +
        '<button type="button" class="chip" role="radio" aria-checked="false" data-pass="0">' + esc(W.failItem) + "</button>" +
        "</div>" +
        '<input type="text" class="item-note" maxlength="500" hidden placeholder="' + esc(W.itemNote) + '" aria-label="' + esc(W.itemNote) + '">' +
        "</li>"
      );
    }).join("");
    $("inspect-photo").value = "";
    $("inspect-photo-name").textContent = "";
    setMessage("inspect-error", "");
  }
  $("inspect-items").addEventListener("click", function (e) {
    var b = e.target.closest(".chip[data-pass]");
    if (!b) return;
    var li = b.closest("li[data-item]");
    li.querySelectorAll(".chip").forEach(function (c) { c.setAttribute("aria-checked", c === b ? "true" : "false"); });
    li.dataset.passed = b.dataset.pass;
    li.querySelector(".item-note").hidden = b.dataset.pass === "1";
  });
  $("inspect-photo").addEventListener("change", function () {
    var f = this.files[0];
    $("inspect-photo-name").textContent = f ? f.name : "";
  });
  $("inspect-back").addEventListener("click", function () { showPanel("inbox"); });
  $("inspect-send").addEventListener("click", function () {
    var row = state.inspecting;
    if (!row) return;
    var answers = [];
    var complete = true;
    document.querySelectorAll("#inspect-items li[data-item]").forEach(function (li) {
      if (li.dataset.passed === undefined) { complete = false; return; }
      var passed = li.dataset.passed === "1";
      answers.push({ item: Number(li.dataset.item), passed: passed, note: passed ? "" : li.querySelector(".item-note").value.trim() });
    });
    if (!complete) { setMessage("inspect-error", W.answerAll); return; }
    var id = uuid();
    var fields = { client_id: id, checklist: row.checklist, cell: row.cell_id, answers: JSON.stringify(answers) };
    if (row.asset) fields.asset = row.asset;
    var photo = $("inspect-photo").files[0];
    state.inspecting = null;
    enqueue({
      id: id,
      kind: "inspection",
      url: row.url,
      dueKey: dueKey(row),
      fields: fields,
      files: photo ? [{ blob: photo, name: photo.name || "photo.jpg" }] : [],
      label: W.inspection + " · " + row.name + " · " + row.cell,
    });
    showPanel("inbox");
  });

  // --- report in four taps: locate (GPS at once, or tap the map), category, photo, send ------------------------------
  var report = { lat: null, lon: null, category: null, photo: null };

  function setLocation(lat, lon, how) {
    report.lat = Math.round(lat * 1e6) / 1e6;
    report.lon = Math.round(lon * 1e6) / 1e6;
    if (hereMarker) hereMarker.setLatLng([lat, lon]);
    else hereMarker = L.marker([lat, lon], { icon: L.divIcon({ className: "here-marker", iconSize: [22, 22] }) }).addTo(map);
    $("report-where").textContent = W.located + " (" + how + ") " + report.lat.toFixed(5) + ", " + report.lon.toFixed(5);
    $("report-where").dataset.located = "1";
    updateConfirm();
  }

  function startReport() {
    if (report.lat !== null) return;
    if (!navigator.geolocation) { $("report-where").textContent = W.noGeo; return; }
    $("report-where").textContent = W.locating;
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        setLocation(pos.coords.latitude, pos.coords.longitude, "GPS");
        map.setView([pos.coords.latitude, pos.coords.longitude], 18, { animate: false });
      },
      function () { if (report.lat === null) $("report-where").textContent = W.noGeo; },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  }
  map.on("click", function (e) {
    if (state.panel === "report") setLocation(e.latlng.lat, e.latlng.lng, "map");
  });

  var TOP = 6;
  function renderCategories() {
    var top = cfg.categories.slice(0, TOP);
    $("report-categories").innerHTML = top.map(function (c) {
      return '<button type="button" class="chip" role="radio" aria-checked="false" data-code="' + esc(c.code) + '">' + esc(c.name) + "</button>";
    }).join("");
    var more = $("report-more");
    more.innerHTML = '<option value="">' + esc(W.more) + "…</option>" + cfg.categories.slice(TOP).map(function (c) {
      return '<option value="' + esc(c.code) + '">' + esc(c.family + " · " + c.name) + "</option>";
    }).join("");
  }
  function setCategory(code) {
    report.category = code;
    document.querySelectorAll("#report-categories .chip").forEach(function (b) {
      b.setAttribute("aria-checked", b.dataset.code === code ? "true" : "false");
    });
    if (!document.querySelector('#report-categories .chip[data-code="' + code + '"]')) $("report-more").value = code;
    else $("report-more").value = "";
    updateConfirm();
  }
  $("report-categories").addEventListener("click", function (e) {
    var b = e.target.closest(".chip");
    if (b) setCategory(b.dataset.code);
  });
  $("report-more").addEventListener("change", function () { if (this.value) setCategory(this.value); });
  $("report-photo").addEventListener("change", function () {
    report.photo = this.files[0] || null;
    $("report-photo-name").textContent = report.photo ? report.photo.name : "";
  });

  function categoryName(code) {
    for (var i = 0; i < cfg.categories.length; i++) if (cfg.categories[i].code === code) return cfg.categories[i].name;
    return code;
  }

  var dupSeq = 0;
  function updateConfirm() {
    if (report.lat === null || !report.category) return;
    $("report-confirm").hidden = false;
    $("report-summary").textContent = categoryName(report.category) + " · " + report.lat.toFixed(5) + ", " + report.lon.toFixed(5);
    var box = $("report-duplicates");
    box.dataset.checked = "pending";
    if (!navigator.onLine) { box.textContent = W.dupUnknown; box.dataset.checked = "offline"; return; }
    var seq = ++dupSeq;
    var url = cfg.urls.nearby + "?lon=" + report.lon + "&lat=" + report.lat + "&category=" + encodeURIComponent(report.category);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(function (data) {
        if (seq !== dupSeq) return;
        box.innerHTML = data.cases.length
          ? "<p><strong>" + esc(W.duplicates) + "</strong></p><ul>" + data.cases.map(function (c) {
              return '<li><a href="' + esc(cfg.urls.detail.replace("/0/", "/" + c.id + "/")) + '">' + esc(W.caseN) + " " + esc(c.id) + "</a> · " + esc(c.state) + " · " + esc(c.distance_m) + " " + esc(W.away) + "</li>";
            }).join("") + "</ul>"
          : "<p>" + esc(W.noDuplicates) + "</p>";
        box.dataset.checked = String(data.cases.length);
      })
      .catch(function () {
        if (seq === dupSeq) { box.textContent = W.dupUnknown; box.dataset.checked = "offline"; }
      });
  }

  $("report-send").addEventListener("click", function () {
    if (report.lat === null) { setMessage("report-error", W.needLocation); return; }
    if (!report.category) { setMessage("report-error", W.needCategory); return; }
    setMessage("report-error", "");
    var id = uuid();
    var fields = { client_id: id, category: report.category, lon: report.lon, lat: report.lat, description: $("report-description").value.trim() };
    var files = report.photo ? [{ blob: report.photo, name: report.photo.name || "photo.jpg" }] : [];
    var label = categoryName(report.category);
    report.category = null;
    report.photo = null;
    $("report-photo").value = "";
    $("report-photo-name").textContent = "";
    $("report-description").value = "";
    $("report-confirm").hidden = true;
    setCategory(null);
    enqueue({ id: id, kind: "report", url: cfg.urls.report, fields: fields, files: files, label: label });
    setMessage("report-error", W.queued);
  });

  // --- find a case by its number -----------------------------------------------------------------------------------
  $("search-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var q = $("search-q").value.replace(/\D/g, "");
    if (!q) return;
    var local = state.tasks.concat(state.cases).filter(function (r) { return r.number === q || String(r.id) === q; });
    function show(rows) {
      state.found = rows;
      $("search-results").innerHTML = rows.length
        ? rows.map(function (r) { return "<li>" + itemHTML(r) + "</li>"; }).join("")
        : '<li class="muted">' + esc(W.notFound) + "</li>";
    }
    if (!navigator.onLine) { show(local); return; }
    fetch(cfg.urls.search + "?q=" + encodeURIComponent(q), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) { show(local.length ? local : data.cases); })
      .catch(function () { show(local); });
  });


  // --- patrols: start, pause, resume, end; the track is kept on the phone until it is sent -------------------------
  // A fix is kept when it is at least THIN_M (12 m) from the last kept one: with a fix every few metres, one point
  // every 12–20 m. The patrol under way survives a reload (localStorage); its end goes through the queue like a report.
  var THIN_M = 12;
  var PATROL_KEY = "gridwork-field-patrol-" + cfg.user;
  var patrol = null;
  try { patrol = JSON.parse(localStorage.getItem(PATROL_KEY) || "null"); } catch (e) { patrol = null; }
  var watchId = null;
  var trackLayer = L.polyline([], { color: "#e67e22", weight: 4 }).addTo(map);

  function metres(a, b) {
    var r = 6371008.8, rad = Math.PI / 180;
    var dLat = (b[1] - a[1]) * rad, dLon = (b[0] - a[0]) * rad;
    var h = Math.sin(dLat / 2) * Math.sin(dLat / 2) + Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.sin(dLon / 2) * Math.sin(dLon / 2);
    return 2 * r * Math.asin(Math.min(1, Math.sqrt(h)));
  }
  function savePatrol() {
    if (patrol) localStorage.setItem(PATROL_KEY, JSON.stringify(patrol));
    else localStorage.removeItem(PATROL_KEY);
  }
  function patrolLength() {
    var m = 0, n = 0;
    (patrol ? patrol.segments : []).forEach(function (seg) {
      n += seg.length;
      for (var i = 1; i < seg.length; i++) m += metres(seg[i - 1], seg[i]);
    });
    return { m: m, n: n };
  }
  function showPatrol() {
    var st = patrol ? patrol.state : "idle";
    var el = $("patrol-state");
    el.dataset.state = st;
    el.textContent = W[st];
    var len = patrolLength();
    $("patrol-distance").textContent = String(Math.round(len.m));
    $("patrol-points").textContent = String(len.n);
    $("patrol-start").hidden = st !== "idle";
    $("patrol-pause").hidden = st !== "walking";
    $("patrol-resume").hidden = st !== "paused";
    $("patrol-end").hidden = st === "idle";
    trackLayer.setLatLngs(patrol ? patrol.segments.map(function (seg) { return seg.map(function (p) { return [p[1], p[0]]; }); }) : []);
  }
  function onFix(pos) {
    var el = $("patrol-state");
    el.dataset.fix = pos.coords.latitude.toFixed(6) + "," + pos.coords.longitude.toFixed(6);
    if (!patrol || patrol.state !== "walking") return;
    var seg = patrol.segments[patrol.segments.length - 1];
    var here = [Math.round(pos.coords.longitude * 1e6) / 1e6, Math.round(pos.coords.latitude * 1e6) / 1e6];
    var last = seg[seg.length - 1];
    if (!last || metres(last, here) >= THIN_M) {
      seg.push(here);
      savePatrol();
      showPatrol();
    }
  }
  function watch() {
    if (watchId !== null || !navigator.geolocation) return;
    watchId = navigator.geolocation.watchPosition(onFix, function () { setMessage("patrol-error", W.noGeo); }, {
      enableHighAccuracy: true,
      maximumAge: 0,
      timeout: 60000,
    });
  }
  function unwatch() {
    if (watchId !== null) navigator.geolocation.clearWatch(watchId);
    watchId = null;
  }
  $("patrol-start").addEventListener("click", function () {
    setMessage("patrol-error", "");
    patrol = { id: uuid(), started: new Date().toISOString(), segments: [[]], state: "walking", walkedMs: 0, resumedAt: Date.now() };
    savePatrol();
    showPatrol();
    watch();
  });
  $("patrol-pause").addEventListener("click", function () {
    patrol.walkedMs += Date.now() - patrol.resumedAt;
    patrol.state = "paused";
    unwatch();
    savePatrol();
    showPatrol();
  });
  $("patrol-resume").addEventListener("click", function () {
    patrol.segments.push([]);
    patrol.resumedAt = Date.now();
    patrol.state = "walking";
    savePatrol();
    showPatrol();
    watch();
  });
  $("patrol-end").addEventListener("click", function () {
    if (patrol.state === "walking") patrol.walkedMs += Date.now() - patrol.resumedAt;
    unwatch();
    var lines = patrol.segments.filter(function (seg) { return seg.length >= 2; });
    var done = patrol;
    patrol = null;
    savePatrol();
    showPatrol();
    if (!lines.length) { setMessage("patrol-error", W.tooShort); return; }
    var km = (patrolLengthOf(lines) / 1000).toFixed(2);
    enqueue({
      id: done.id,
      kind: "patrol",
      url: cfg.urls.patrol,
      fields: {
        client_id: done.id,
        started_at: done.started,
        ended_at: new Date().toISOString(),
        walking_seconds: String(Math.round(done.walkedMs / 1000)),
        track: JSON.stringify({ type: "MultiLineString", coordinates: lines }),
      },
      files: [],
      label: W.patrol + " · " + km + " km",
    });
  });
  function patrolLengthOf(lines) {
    var m = 0;
    lines.forEach(function (seg) { for (var i = 1; i < seg.length; i++) m += metres(seg[i - 1], seg[i]); });
    return m;
  }
  showPatrol();
  if (patrol && patrol.state === "walking") watch();

  // Signing out clears what the site kept on the phone (Clear-Site-Data), the queue included: ask first while
  // reports still wait to be sent.
  Array.prototype.forEach.call(document.querySelectorAll("form[action='" + cfg.urls.logout + "']"), function (form) {
    form.addEventListener("submit", function (ev) {
      if (form.dataset.confirmed) return;
      ev.preventDefault();
      queue.db.then(function (db) { return db.count("queue"); }).then(function (n) {
        if (!n || window.confirm(W.logoutPending.replace("%(count)s", String(n)))) {
          form.dataset.confirmed = "1";
          form.submit();
        }
      });
    });
  });

  // The queue, for scripted use (the benchmark queues many reports the way the report button does).
  window.gridworkField = { enqueue: enqueue, state: queue.state };

  renderCategories();
  showNet();
  showQueue().then(function () { return loadData(); }).then(function () { flush(); });
})();
