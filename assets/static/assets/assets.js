/* Public facility map: family layers with clustering, search, nearest facilities, service areas, adoption.
   The tools sit in a side panel on desktops and in a bottom sheet over the map on phones: the map stays in view. */
(function () {
  "use strict";

  var readJSON = gridwork.readJSON;

  function fetchJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) {
          var msg = typeof body === "object" ? Object.keys(body).map(function (k) { return [].concat(body[k]).join(" "); }).join(" ") : r.status;
          throw new Error(msg);
        }
        return body;
      });
    });
  }

  function withQuery(url, params) {
    var q = Object.keys(params).map(function (k) { return encodeURIComponent(k) + "=" + encodeURIComponent(params[k]); });
    return url + (url.indexOf("?") >= 0 ? "&" : "?") + q.join("&");
  }

  var esc = gridwork.esc;

  function publicMap(map) {
    window.gridworkAssets.map = map;
    var cfg = readJSON("assets-config");
    var t = readJSON("assets-i18n");
    var families = readJSON("assets-families");
    var sortingNames = readJSON("assets-sorting");
    var conditionNames = readJSON("assets-conditions");
    var el = document.getElementById("assets-map");
    var countEl = document.getElementById("asset-count");
    var byFamily = {};
    var markers = {};
    families.forEach(function (f) {
      byFamily[f.code] = {
        family: f,
        cluster: L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 45, disableClusteringAtZoom: 18 }),
        shapes: L.featureGroup(),
        visible: true,
      };
    });
    var adoptableOnly = false;
    var all = [];

    // --- the panel: beside the map on desktops, a bottom sheet over it on phones ------------
    var layout = document.getElementById("facility-map");
    var panel = document.getElementById("facility-panel");
    var handle = document.getElementById("sheet-handle");
    var hint = document.getElementById("map-hint");
    var phone = window.matchMedia("(max-width: 800px)");

    function setSheet(state) {
      panel.dataset.sheet = state;
      handle.setAttribute("aria-expanded", state === "open" ? "true" : "false");
    }
    // Pixels at the bottom of the map hidden by the sheet (none beside a side panel).
    function covered() {
      if (!phone.matches) return 0;
      return Math.max(0, Math.round(el.getBoundingClientRect().bottom - panel.getBoundingClientRect().top));
    }
    // The map fills the window below the page header; the panel scrolls on its own.
    function fitHeight() {
      layout.style.setProperty("--facility-top", Math.round(layout.getBoundingClientRect().top + window.scrollY) + "px");
      map.invalidateSize();
    }
    // The middle of the part of the map that is not under the sheet.
    function visibleCentre() {
      var size = map.getSize();
      return map.containerPointToLatLng([size.x / 2, (size.y - covered()) / 2]);
    }
    function padding() {
      return { paddingTopLeft: [20, 20], paddingBottomRight: [20, covered() + 20] };
    }
    handle.addEventListener("click", function () { setSheet(panel.dataset.sheet === "open" ? "peek" : "open"); });
    window.addEventListener("resize", fitHeight);
    fitHeight();

    function icon(p, colour) {
      var cls = "asset-icon fam-" + p.family + (p.adoption === "open" ? " adoptable" : "") + (p.adoption === "adopted" ? " adopted" : "");
      return L.divIcon({ className: cls, html: '<span style="background:' + esc(colour) + '"></span>', iconSize: [16, 16] });
    }

    function shown(p) {
      return !adoptableOnly || p.adoption === "open";
    }

    function redraw() {
      var n = 0;
      Object.keys(byFamily).forEach(function (code) {
        var g = byFamily[code];
        g.cluster.clearLayers();
        g.shapes.clearLayers();
        var items = all.filter(function (it) { return it.f.properties.family === code && shown(it.f.properties); });
        g.cluster.addLayers(items.map(function (it) { return it.marker; }));
        items.forEach(function (it) { if (it.shape) g.shapes.addLayer(it.shape); });
        if (g.visible) {
          map.addLayer(g.shapes);
          map.addLayer(g.cluster);
          n += items.length;
        } else {
          map.removeLayer(g.cluster);
          map.removeLayer(g.shapes);
        }
      });
      countEl.textContent = n + " " + t.shown;
      el.dataset.visible = String(n);
    }

    function popupHtml(a) {
      var p = a.properties;
      var rows = [];
      rows.push("<strong>" + esc(p.name) + "</strong>");
      rows.push(esc(t.type) + ": " + esc(p.type_name));
      rows.push(esc(t.identifier) + ": " + esc(p.identifier));
      rows.push(esc(t.condition) + ": " + esc(conditionNames[p.condition] || p.condition));
      if (p.opening_hours) {
        var now = p.open_now === true ? '<span class="open-now">' + esc(t.openNow) + "</span>" :
          p.open_now === false ? '<span class="closed-now">' + esc(t.closedNow) + "</span>" : "";
        rows.push(esc(t.hours) + ": " + esc(p.opening_hours) + " " + now);
      }
      if (p.accessible === true) rows.push("♿ " + esc(t.accessible));
      if (p.accessible === false) rows.push(esc(t.notAccessible));
      if (p.sorting && p.sorting.length) rows.push(esc(t.sorting) + ": " + p.sorting.map(function (s) { return esc(sortingNames[s] || s); }).join("、"));
      if (p.capacity !== null && p.capacity !== undefined) rows.push(esc(t.capacity) + ": " + esc(p.capacity) + " " + esc(p.capacity_unit));
      if (p.area_m2) rows.push(esc(t.area) + ": " + Math.round(p.area_m2) + " m²");
      if (p.department) rows.push(esc(t.department) + ": " + esc(p.department));
      if (p.adoption === "adopted") rows.push('<span class="badge adopted">' + esc(t.adopted) + "</span>");
      if (p.adoption === "open") {
        var link = cfg.signedIn
          ? '<a class="button apply-adopt" href="' + cfg.adopt.replace("/0/", "/" + a.id + "/") + '">' + esc(t.apply) + "</a>"
          : '<a class="apply-adopt" href="' + cfg.login + '">' + esc(t.loginApply) + "</a>";
        rows.push('<span class="badge open">' + esc(t.openAdoption) + "</span> " + link);
      }
      return '<div class="asset-popup">' + rows.join("<br>") + "</div>";
    }

    // Popups are kept clear of the sheet: Leaflet pans the map until the whole popup is in the open part.
    function popupOptions() {
      return { maxWidth: 280, autoPanPaddingTopLeft: L.point(10, 10), autoPanPaddingBottomRight: L.point(10, covered() + 10) };
    }

    function openPopup(id, layer, latlng) {
      fetchJSON(cfg.assets + id + "/").then(function (a) {
        layer.bindPopup(popupHtml(a), popupOptions());
        layer.openPopup(latlng);
      });
    }

    // Show a facility: collapse the sheet on a phone, zoom to its marker, open its popup. A facility outside the
    // loaded markers (a link to another area) gets its popup where it is.
    function focus(id, lon, lat) {
      if (phone.matches) setSheet("peek");
      var it = markers[id];
      if (!it) {
        if (lat === undefined) return;
        var at = L.latLng(lat, lon);
        map.setView(at, Math.max(map.getZoom(), 17), { animate: false });
        fetchJSON(cfg.assets + id + "/").then(function (a) {
          L.popup(popupOptions()).setLatLng(at).setContent(popupHtml(a)).openOn(map);
        });
        return;
      }
      var g = byFamily[it.f.properties.family];
      if (!g.visible) {
        g.visible = true;
        var box = document.querySelector('#layer-list input[value="' + it.f.properties.family + '"]');
        if (box) box.checked = true;
        redraw();
      }
      g.cluster.zoomToShowLayer(it.marker, function () { openPopup(id, it.marker); });
    }

    // A link to an area (?bbox=min_lon,min_lat,max_lon,max_lat) loads the facilities of that area only.
    var area = new URLSearchParams(window.location.search).get("bbox");
    fetchJSON(area ? withQuery(cfg.markers, { bbox: area }) : cfg.markers).then(function (fc) {
      fc.features.forEach(function (f) {
        var p = f.properties;
        var g = byFamily[p.family];
        if (!g) return;
        var colour = g.family.colour;
        var marker = L.marker([p.at[1], p.at[0]], { icon: icon(p, colour), title: p.name, alt: p.name });
        marker.on("click", function () { openPopup(f.id, marker); });
        var shape = null;
        if (p.kind !== "point") {
          shape = L.geoJSON(f.geometry, {
            style: {
              color: colour, weight: p.adoption === "open" ? 3 : 2, fillOpacity: 0.3,
              dashArray: p.adoption === "open" ? "6 4" : null,
              className: "asset-shape" + (p.adoption === "open" ? " adoptable-shape" : ""),
            },
          });
          shape.on("click", function (ev) { openPopup(f.id, shape, ev.latlng); });
        }
        var item = { f: f, marker: marker, shape: shape };
        markers[f.id] = item;
        all.push(item);
      });
      // Fit first, so that the clusters are drawn once, at the view they are seen in.
      if (all.length) {
        map.fitBounds(L.latLngBounds(all.map(function (it) { return it.marker.getLatLng(); })), L.extend({ animate: false }, padding()));
      }
      redraw();
      el.dataset.loaded = "markers";
    }).catch(function (e) { countEl.textContent = t.error + " " + e.message; });

    // --- layers -------------------------------------------------------------------------
    document.getElementById("layer-list").addEventListener("change", function (ev) {
      if (ev.target.id === "adoptable-only") {
        adoptableOnly = ev.target.checked;
      } else if (ev.target.name === "family") {
        byFamily[ev.target.value].visible = ev.target.checked;
      }
      redraw();
    });

    // --- search: every match counted, nearest to the middle of the visible map first, a page at a time -------
    var results = document.getElementById("search-results");
    var summary = document.getElementById("search-summary");
    var more = document.getElementById("search-more");
    var searchBox = document.getElementById("search-box");
    var searchSeq = 0;
    var nextPage = null;

    function found(n) {
      return (n === 1 ? t.foundOne : t.foundMany).replace("{n}", n);
    }
    function resultItem(r) {
      var d = r.distance_m === null ? "" : ' · <span class="distance">' + Math.round(r.distance_m) + " " + esc(t.metres) + "</span>";
      return '<li><a href="#" data-id="' + r.id + '" data-lon="' + r.lon + '" data-lat="' + r.lat + '">' + esc(r.name) +
        "</a> · " + esc(r.type_name) + d + "</li>";
    }
    // Only the answer to the latest request is drawn: an earlier one arriving late is dropped.
    function showPage(url, append) {
      var mine = ++searchSeq;
      searchBox.dataset.state = "loading";
      more.hidden = true;
      return fetchJSON(url).then(function (page) {
        if (mine !== searchSeq) return;
        var rs = page.results || [];
        if (append) results.insertAdjacentHTML("beforeend", rs.map(resultItem).join(""));
        else results.innerHTML = rs.map(resultItem).join("");
        var shownNow = results.querySelectorAll("a[data-id]").length;
        summary.textContent = page.count ? found(page.count) + (page.count > shownNow ?
          " · " + t.showing.replace("{shown}", shownNow) : "") : t.noResults;
        nextPage = page.next;
        more.hidden = !nextPage;
        searchBox.dataset.state = "done";
        el.dataset.search = String(shownNow);
      }).catch(function (e) {
        if (mine !== searchSeq) return;
        summary.textContent = t.error + " " + e.message;
        searchBox.dataset.state = "done";
      });
    }
    document.getElementById("asset-search-form").addEventListener("submit", function (ev) {
      ev.preventDefault();
      var q = document.getElementById("asset-search").value.trim();
      results.innerHTML = "";
      summary.textContent = "";
      if (!q) { searchSeq++; more.hidden = true; return; }
      var c = visibleCentre();  // of the map as the user sees it now, before the sheet opens over it
      if (phone.matches) setSheet("open");
      showPage(withQuery(cfg.search, { q: q, lon: c.lng.toFixed(6), lat: c.lat.toFixed(6) }), false);
    });
    more.addEventListener("click", function () { if (nextPage) showPage(nextPage, true); });

    function onResultClick(ev) {
      var a = ev.target.closest && ev.target.closest("a[data-id]");
      if (!a) return;
      ev.preventDefault();
      focus(Number(a.dataset.id), Number(a.dataset.lon), Number(a.dataset.lat));
    }
    results.addEventListener("click", onResultClick);

    // --- nearest ------------------------------------------------------------------------
    var nearestLayer = L.featureGroup().addTo(map);
    var nearestList = document.getElementById("nearest-results");
    var picking = false;
    var nearestSeq = 0;

    function nearestFrom(latlng) {
      var type = document.getElementById("nearest-type").value;
      var n = document.getElementById("nearest-n").value || 5;
      nearestLayer.clearLayers();
      nearestList.innerHTML = "";
      L.circleMarker(latlng, { radius: 8, color: "#d62728", weight: 3, className: "nearest-origin" }).addTo(nearestLayer)
        .bindTooltip(t.from);
      var mine = ++nearestSeq;
      fetchJSON(withQuery(cfg.nearest, { lon: latlng.lng.toFixed(6), lat: latlng.lat.toFixed(6), type: type, n: n })).then(function (rows) {
        if (mine !== nearestSeq) return;
        nearestList.innerHTML = rows.length ? rows.map(function (r) {
          L.polyline([latlng, [r.lat, r.lon]], { color: "#d62728", weight: 1, dashArray: "4 4" }).addTo(nearestLayer);
          var open = r.open_now === true ? " · " + esc(t.openNow) : r.open_now === false ? " · " + esc(t.closedNow) : "";
          return '<li><a href="#" data-id="' + r.id + '" data-lon="' + r.lon + '" data-lat="' + r.lat + '">' + esc(r.name) +
            '</a> · <span class="distance">' + Math.round(r.distance_m) +
            " " + esc(t.metres) + "</span>" + open + "</li>";
        }).join("") : "<li>" + esc(t.noResults) + "</li>";
        hint.textContent = "";
        // The list opens in the sheet; the origin and the facilities are fitted into the map above it.
        if (phone.matches) setSheet("open");
        if (rows.length) map.fitBounds(nearestLayer.getBounds(), L.extend({ maxZoom: 17, animate: false }, padding()));
        el.dataset.nearest = String(rows.length);
      }).catch(function (e) { if (mine === nearestSeq) hint.textContent = t.error + " " + e.message; });
    }

    nearestList.addEventListener("click", onResultClick);
    document.getElementById("pick-point").addEventListener("click", function () {
      picking = true;
      hint.textContent = t.pickHint;
      nearestList.innerHTML = "";
      map.closePopup();
      el.classList.add("picking");
      if (phone.matches) setSheet("peek");  // the map is free to be tapped
    });
    map.on("click", function (ev) {
      if (!picking) return;
      picking = false;
      el.classList.remove("picking");
      nearestFrom(ev.latlng);
    });
    document.getElementById("locate-me").addEventListener("click", function () {
      if (!navigator.geolocation) { hint.textContent = t.noGeo; return; }
      hint.textContent = t.locating;
      navigator.geolocation.getCurrentPosition(function (pos) {
        nearestFrom(L.latLng(pos.coords.latitude, pos.coords.longitude));
      }, function () { hint.textContent = t.noGeo; }, { enableHighAccuracy: true, timeout: 10000 });
    });

    // --- service area -------------------------------------------------------------------
    var serviceLayer = L.featureGroup().addTo(map);
    function shade(pct) {
      if (pct === null) return "#cccccc";
      if (pct >= 90) return "#1a9850";
      if (pct >= 70) return "#91cf60";
      if (pct >= 50) return "#fee08b";
      if (pct >= 30) return "#fc8d59";
      return "#d73027";
    }
    document.getElementById("service-run").addEventListener("click", function () {
      var type = document.getElementById("service-type").value;
      var radius = document.getElementById("service-radius").value;
      var summary = document.getElementById("service-summary");
      fetchJSON(withQuery(cfg.service, { type: type, radius: radius })).then(function (data) {
        serviceLayer.clearLayers();
        data.cells.forEach(function (c) {
          L.geoJSON(c.boundary, { style: { color: "#333", weight: 1, fillColor: shade(c.percent), fillOpacity: 0.35, className: "service-cell" } })
            .bindTooltip(esc(c.code.slice(-3)) + " · " + (c.percent === null ? "—" : c.percent + "%"))
            .addTo(serviceLayer);
        });
        L.geoJSON(data.uncovered_buildings, { style: { color: "#b30000", weight: 1, fillColor: "#ff0000", fillOpacity: 0.7, className: "uncovered-building" } })
          .addTo(serviceLayer);
        summary.textContent = data.covered + " / " + data.households + " " + t.covered + " (" + (data.percent === null ? "—" : data.percent + "%") +
          ") · " + data.uncovered_buildings.features.length + " " + t.uncoveredBuildings;
        document.getElementById("service-table").innerHTML = "<thead><tr><th>" + esc(t.cell) + "</th><th>" + esc(t.households) +
          "</th><th>%</th></tr></thead><tbody>" + data.cells.map(function (c) {
            return "<tr><td>" + esc(c.code) + "</td><td>" + c.covered + " / " + c.households + "</td><td>" + (c.percent === null ? "—" : c.percent) + "</td></tr>";
          }).join("") + "</tbody>";
        el.dataset.service = "done";
      }).catch(function (e) { summary.textContent = t.error + " " + e.message; });
    });
  }

  window.gridworkAssets = { publicMap: publicMap };
})();
