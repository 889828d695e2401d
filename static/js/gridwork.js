/* The front-end helpers every page script uses (window.gridwork: esc, readJSON, fetchJSON, fetchAll, withQuery,
   pollJob, csrfToken, sendJSON, flattenErrors) and the map pages' set-up (gridMap, entityListMap, detailMap, splitMap). Load it before the page script:
   <script src="{% static 'js/gridwork.js' %}"></script><script src="{% static 'myapp/myapp.js' %}"></script>
   Leaflet is provided by django-leaflet; every layer is read from the JSON API. */
(function () {
  "use strict";

  /* Page data from json_script. A JSON text given as a string (GeoJSON from a view, "null" for nothing) is read
     once more; any other string stays as it is. */
  function readJSON(id) {
    var el = document.getElementById(id);
    if (!el) return null;
    var value = JSON.parse(el.textContent);
    if (typeof value !== "string") return value;
    try {
      return JSON.parse(value);
    } catch (e) {
      return value;
    }
  }

  function fetchJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error(r.status + " " + url);
      return r.json();
    });
  }

  /* Follow GeoJSON paging ("next") until every feature of a filtered query is loaded. */
  function fetchAll(url, features) {
    features = features || [];
    return fetchJSON(url).then(function (page) {
      features.push.apply(features, page.features || []);
      return page.next ? fetchAll(page.next, features) : features;
    });
  }

  function withQuery(url, params) {
    var q = Object.keys(params).map(function (k) { return encodeURIComponent(k) + "=" + encodeURIComponent(params[k]); });
    return url + (url.indexOf("?") >= 0 ? "&" : "?") + q.join("&");
  }

  function esc(s) {
    return String(s === null || s === undefined ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  /* A background job's progress box (#job with data-progress, #job-progress, #job-percent, #job-status): polled
     until the job has finished, then the page is loaded again to show the result. */
  function pollJob() {
    var box = document.getElementById("job");
    if (!box || box.dataset.finished === "1") return;
    var bar = document.getElementById("job-progress");
    var pct = document.getElementById("job-percent");
    var status = document.getElementById("job-status");
    function tick() {
      fetch(box.dataset.progress, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (p) {
        bar.value = p.percent;
        pct.textContent = p.percent + "%";
        status.textContent = p.status_label;
        if (p.finished) { window.location.reload(); return; }
        setTimeout(tick, 700);
      }).catch(function () { setTimeout(tick, 2000); });
    }
    tick();
  }

  var palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22"];

  function gridMap(map) {
    var cfg = readJSON("map-config");
    var t = readJSON("map-i18n");
    var info = document.getElementById("info");
    var crumbs = document.getElementById("crumbs");
    var communities = L.geoJSON(null, {
      style: { color: "#555", weight: 2, fillColor: "#8fb3d9", fillOpacity: 0.25, className: "community-shape" },
      onEachFeature: function (f, layer) {
        layer.bindTooltip(esc(f.properties.name) + " · " + esc(f.properties.full_code));
        layer.on("click", function () { openCommunity(f, layer); });
      },
    }).addTo(map);
    var cells = L.geoJSON(null).addTo(map);
    var buildings = L.geoJSON(null).addTo(map);

    function setCrumbs(items) {
      crumbs.innerHTML = items.map(function (i) { return "<li>" + i + "</li>"; }).join("");
    }

    function openCommunity(feature, layer) {
      cells.clearLayers();
      buildings.clearLayers();
      map.fitBounds(layer.getBounds());
      setCrumbs(['<a href="#" data-level="top">' + esc(document.querySelector("#crumbs a").textContent) + "</a>", esc(feature.properties.name)]);
      info.innerHTML = "<h2>" + esc(feature.properties.name) + "</h2><p>" + esc(t.cells) + ": " + esc(feature.properties.cell_count) +
        " · " + esc(t.households) + ": " + esc(feature.properties.household_count) + '</p><p><a href="' +
        cfg.communityPage.replace("/0/", "/" + feature.id + "/") + '">' + esc(t.open) + "</a></p>";
      fetchAll(withQuery(cfg.cells, { community: feature.id, page_size: 500 })).then(function (features) {
        cells.clearLayers();
        features.forEach(function (f, i) {
          var layer = L.geoJSON(f, {
            style: { color: "#222", weight: 1, fillColor: palette[i % palette.length], fillOpacity: 0.35, className: "cell-shape" },
          });
          layer.eachLayer(function (l) {
            l.feature = f;
            l.bindTooltip(f.properties.code.slice(-3), { permanent: true, direction: "center", className: "cell-label" });
            l.on("click", function (ev) { L.DomEvent.stopPropagation(ev); openCell(f, l); });
            cells.addLayer(l);
          });
        });
        info.insertAdjacentHTML("beforeend", '<p class="count" id="cell-count">' + esc(t.cells) + ": " + features.length + "</p>");
      });
    }

    function workerNames(f) {
      var w = f.properties.workers || [];
      return w.length ? w.map(function (x) { return esc(x.name); }).join("、") : esc(t.none);
    }

    function openCell(f, layer) {
      var p = f.properties;
      var html = '<div class="cell-popup"><strong>' + esc(t.code) + ": " + esc(p.code) + "</strong><br>" + esc(t.workers) + ": " +
        workerNames(f) + "<br>" + esc(t.households) + ": " + esc(p.household_count) + " · " + esc(t.buildings) + ": " +
        esc(p.building_count) + '<br><a href="' + cfg.cellPage.replace("/0/", "/" + f.id + "/") + '">' + esc(t.open) + "</a></div>";
      layer.bindPopup(html).openPopup();
      info.innerHTML = "<h2>" + esc(p.code) + "</h2><p>" + esc(t.workers) + ": " + workerNames(f) + "</p><p>" + esc(t.households) + ": " +
        esc(p.household_count) + "</p>";
      buildings.clearLayers();
      fetchAll(withQuery(cfg.buildings, { cell: f.id, page_size: 500 })).then(function (features) {
        buildings.addData({ type: "FeatureCollection", features: features });
        buildings.setStyle({ color: "#7a2e00", weight: 1, fillColor: "#f4a460", fillOpacity: 0.8 });
        buildings.eachLayer(function (l) {
          var b = l.feature.properties;
          l.bindTooltip(esc(b.name) + " · " + esc(t.households) + " " + esc(b.household_count) +
            (b.year_built ? " · " + esc(t.built) + " " + esc(b.year_built) : "") + (b.storeys ? " · " + esc(t.storeys) + " " + esc(b.storeys) : ""));
        });
      });
    }

    crumbs.addEventListener("click", function (ev) {
      if (ev.target.dataset.level === "top") {
        ev.preventDefault();
        cells.clearLayers();
        buildings.clearLayers();
        setCrumbs(['<a href="#" data-level="top">' + esc(ev.target.textContent) + "</a>"]);
        if (communities.getLayers().length) map.fitBounds(communities.getBounds());
      }
    });

    fetchAll(withQuery(cfg.communities, { page_size: 500 })).then(function (features) {
      communities.addData({ type: "FeatureCollection", features: features });
      if (features.length) map.fitBounds(communities.getBounds());
      document.getElementById("grid-map").dataset.loaded = "communities";
    });
  }

  function entityListMap(map) {
    var cfg = readJSON("entity-config");
    var url = withQuery(cfg.api + (cfg.query ? "?" + cfg.query : ""), { page: cfg.page, page_size: cfg.pageSize });
    var layer = L.geoJSON(null, {
      style: { color: "#1f5fa8", weight: 2, fillOpacity: 0.2 },
      pointToLayer: function (f, latlng) { return L.circleMarker(latlng, { radius: 5 }); },
      onEachFeature: function (f, l) {
        l.on("click", function () { window.location = cfg.detail.replace("/0/", "/" + f.id + "/"); });
      },
    }).addTo(map);
    fetchJSON(url).then(function (page) {
      layer.addData(page);
      if (layer.getLayers().length) map.fitBounds(layer.getBounds(), { maxZoom: 17 });
    }).catch(function () { /* the table still lists the records */ });
  }

  function detailMap(map) {
    var geom = readJSON("detail-geojson");
    if (!geom) return;
    var layer = L.geoJSON(geom, {
      style: { color: "#d62728", weight: 2, fillOpacity: 0.2 },
      pointToLayer: function (f, latlng) { return L.circleMarker(latlng, { radius: 7 }); },
    }).addTo(map);
    map.fitBounds(layer.getBounds(), { maxZoom: 17 });
  }

  function splitMap(map) {
    var boundary = readJSON("community-geojson");
    var proposal = readJSON("proposal-geojson");
    var outline = L.geoJSON(boundary, { style: { color: "#333", weight: 3, fill: false } }).addTo(map);
    map.fitBounds(outline.getBounds());
    if (proposal) {
      L.geoJSON(proposal, {
        style: function (f) { return { color: "#222", weight: 1, fillColor: palette[f.properties.serial % palette.length], fillOpacity: 0.4, className: "proposed-cell" }; },
        onEachFeature: function (f, l) {
          l.bindTooltip(String(f.properties.serial).padStart(3, "0") + " · " + f.properties.households, { permanent: true, direction: "center", className: "cell-label" });
        },
      }).addTo(map);
    }
  }

  /* Writes from a page script: the page's CSRF token, a JSON request answering {ok, status, data} (data {} when the
     answer is not JSON), and DRF's error body (by field, nested) flattened into a list of messages. */
  function csrfToken() {
    var el = document.querySelector("[name=csrfmiddlewaretoken]");
    return el ? el.value : "";
  }
  function sendJSON(method, url, body) {
    return fetch(url, {
      method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body),
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) { return { ok: r.ok, status: r.status, data: data }; });
    });
  }
  function flattenErrors(errors) {
    if (typeof errors === "string") return [errors];
    if (Array.isArray(errors)) return errors.reduce(function (a, e) { return a.concat(flattenErrors(e)); }, []);
    if (errors && typeof errors === "object") {
      return Object.keys(errors).reduce(function (a, k) { return a.concat(flattenErrors(errors[k])); }, []);
    }
    return [];
  }

  window.gridwork = {
    esc: esc, readJSON: readJSON, fetchJSON: fetchJSON, fetchAll: fetchAll, withQuery: withQuery, pollJob: pollJob,
    csrfToken: csrfToken, sendJSON: sendJSON, flattenErrors: flattenErrors,
    gridMap: gridMap, entityListMap: entityListMap, detailMap: detailMap, splitMap: splitMap,
  };
})();
