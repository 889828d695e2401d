/* Public facility map: facilities from the public vector tiles (clusters per zoom), search, nearest facilities, service areas, adoption.
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

    // --- facilities from the public vector tiles ---------------------------------------------------------------
    // Below zoom cfg.clusterBelow a tile holds clusters per family (n facilities, n_open of them open for adoption;
    // a cluster of one carries its asset id); from there on each public facility with its own shape. Nothing but
    // codes and counts is in a tile: a facility's details are fetched when it is clicked.
    var colours = {};
    families.forEach(function (f) { colours[f.code] = f.colour; });
    var hidden = {};  // family code → true while its box is unchecked
    var adoptableOnly = false;
    var loaded = {};  // tile key → the features of the tile, with where each one is
    var TILE = 512;

    function shown(p) {
      return !hidden[p.family] && (!adoptableOnly || p.n_open > 0);
    }

    function style(p) {
      if (!shown(p)) return [];
      var colour = colours[p.family] || "#555555";
      var open = p.adoption === "open";
      var cls = "asset-feature fam-" + p.family + (p.n > 1 ? " asset-cluster" : " asset-single") +
        (open ? " adoptable-shape" : "") + (p.adoption === "adopted" ? " adopted-shape" : "");
      if (p.n > 1) {
        var n = adoptableOnly ? p.n_open : p.n;
        return { radius: Math.min(22, 6 + 2.5 * Math.log2(n)), fill: true, fillColor: colour, fillOpacity: 0.55,
          color: "#ffffff", weight: 2, className: cls };
      }
      return { radius: 7, fill: true, fillColor: colour, fillOpacity: open ? 0.3 : 0.75, color: colour,
        weight: open ? 3 : 2, dashArray: open ? "6 4" : null, className: cls };
    }

    // Where each feature of a tile is (its first point), to count what is in view.
    function remember(coords, tile) {
      var feats = [];
      Object.keys(tile.layers).forEach(function (name) {
        var layer = tile.layers[name];
        var scale = TILE / layer.extent;
        (layer.features || []).forEach(function (f) {
          var first = f.geometry && f.geometry[0] && f.geometry[0][0];
          if (!first) return;
          var at = map.unproject(L.point(coords.x * TILE + first.x * scale, coords.y * TILE + first.y * scale), coords.z);
          feats.push({ p: f.properties, at: at });
        });
      });
      loaded[coords.x + ":" + coords.y + ":" + coords.z] = { z: coords.z, feats: feats };
    }

    var Tiles = L.VectorGrid.Protobuf.extend({
      // Tiles are drawn 512 px wide: the tile at map zoom z is the tile of zoom z - 1 (VectorGrid leaves
      // zoomOffset out of its URLs).
      _getVectorTilePromise: function (coords) {
        var url = L.extend({}, coords, { z: coords.z - 1 });
        return L.VectorGrid.Protobuf.prototype._getVectorTilePromise.call(this, url).then(function (tile) {
          remember(coords, tile);
          return tile;
        });
      },
      // A point is a circle that keeps no latlng of its own: events on it take the mouse's position (Leaflet would
      // otherwise ask it for one).
      _createLayer: function (feat, pxPerExtent, layerStyle) {
        var layer = L.VectorGrid.Protobuf.prototype._createLayer.call(this, feat, pxPerExtent, layerStyle);
        layer.getLatLng = null;
        return layer;
      },
    });
    var tiles = new Tiles(cfg.tiles, {
      tileSize: TILE,
      minZoom: 1,
      vectorTileLayerStyles: { "asset-map": style },
      interactive: true,
      fetchOptions: { credentials: "omit" },
    });

    // Facilities in view, of the families shown: clusters count their members, a facility drawn into several
    // tiles counts once.
    function count() {
      var bounds = map.getBounds();
      var z = map.getZoom();
      var seen = {};
      var n = 0;
      Object.keys(loaded).forEach(function (key) {
        var t = loaded[key];
        if (t.z !== z) return;
        t.feats.forEach(function (f) {
          if (!shown(f.p) || !bounds.contains(f.at)) return;
          if (f.p.n > 1) { n += adoptableOnly ? f.p.n_open : f.p.n; return; }
          if (seen[f.p.asset]) return;
          seen[f.p.asset] = true;
          n += 1;
        });
      });
      countEl.textContent = n + " " + t.shown;
      el.dataset.visible = String(n);
    }

    tiles.on("tileunload", function (ev) {
      delete loaded[ev.coords.x + ":" + ev.coords.y + ":" + ev.coords.z];
    });
    tiles.on("tileload", function () {
      if (!el.dataset.drawn && el.querySelector("path.asset-feature")) {
        el.dataset.drawn = String(Math.round(performance.now()));
      }
    });
    tiles.on("loading", function () { delete el.dataset.loaded; });
    tiles.on("load", function () {
      count();
      el.dataset.loaded = "tiles";
    });
    map.on("moveend", count);

    function redraw() {
      tiles.redraw();  // the tiles come again from the browser's cache, styled for the families now shown
    }

    function popupHtml(p) {
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
          ? '<a class="button apply-adopt" href="' + cfg.adopt.replace("/0/", "/" + p.id + "/") + '">' + esc(t.apply) + "</a>"
          : '<a class="apply-adopt" href="' + cfg.login + '">' + esc(t.loginApply) + "</a>";
        rows.push('<span class="badge open">' + esc(t.openAdoption) + "</span> " + link);
      }
      return '<div class="asset-popup">' + rows.join("<br>") + "</div>";
    }

    // Popups are kept clear of the sheet: Leaflet pans the map until the whole popup is in the open part.
    function popupOptions() {
      return { maxWidth: 280, autoPanPaddingTopLeft: L.point(10, 10), autoPanPaddingBottomRight: L.point(10, covered() + 10) };
    }

    // One facility's details, fetched when it is shown, in a popup at `at` (its own place when not given).
    var popupSeq = 0;
    function openPopup(id, at) {
      var mine = ++popupSeq;
      fetchJSON(cfg.popup.replace("/0/", "/" + id + "/")).then(function (p) {
        if (mine !== popupSeq) return;
        L.popup(popupOptions()).setLatLng(at || L.latLng(p.lat, p.lon)).setContent(popupHtml(p)).openOn(map);
        el.dataset.popup = String(id);
      }).catch(function (e) { hint.textContent = t.error + " " + e.message; });
    }

    tiles.on("click", function (ev) {
      var p = ev.layer && ev.layer.properties;
      if (!p) return;
      var at = ev.latlng || map.mouseEventToLatLng(ev.originalEvent || ev);
      if (p.n > 1) {  // a cluster: closer in, where it splits up
        map.setView(at, Math.min(map.getZoom() + 2, cfg.clusterBelow + 2));
        return;
      }
      if (phone.matches) setSheet("peek");
      openPopup(p.asset, at);
    });

    // Show a facility (a search result, a nearest one): collapse the sheet on a phone, zoom to it, open its popup;
    // its family is switched on if it was off.
    function focus(id, lon, lat, family) {
      if (phone.matches) setSheet("peek");
      if (family && hidden[family]) {
        delete hidden[family];
        var box = document.querySelector('#layer-list input[value="' + family + '"]');
        if (box) box.checked = true;
        redraw();
      }
      var at = L.latLng(lat, lon);
      map.setView(at, Math.max(map.getZoom(), 17), { animate: false });
      openPopup(id, at);
    }

    // A link to an area (?bbox=min_lon,min_lat,max_lon,max_lat) opens the map on that area; without one the map
    // opens around every public facility.
    function startView() {
      var area = new URLSearchParams(window.location.search).get("bbox");
      var box = cfg.extent;
      if (area) {
        var v = area.split(",").map(Number);
        if (v.length !== 4 || v.some(function (x) { return !isFinite(x); }) || v[0] > v[2] || v[1] > v[3] ||
            v[1] < -90 || v[3] > 90) {
          countEl.textContent = t.error + " bbox: " + t.badArea;
          return false;
        }
        box = v;
      }
      if (box) {
        var bounds = L.latLngBounds([box[1], box[0]], [box[3], box[2]]);
        map.fitBounds(bounds, L.extend({ animate: false, maxZoom: 18 }, padding()));
      }
      return true;
    }
    if (startView()) {
      tiles.addTo(map);
    }

    // --- layers -------------------------------------------------------------------------
    document.getElementById("layer-list").addEventListener("change", function (ev) {
      if (ev.target.id === "adoptable-only") {
        adoptableOnly = ev.target.checked;
      } else if (ev.target.name === "family") {
        if (ev.target.checked) delete hidden[ev.target.value];
        else hidden[ev.target.value] = true;
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
      return '<li><a href="#" data-id="' + r.id + '" data-lon="' + r.lon + '" data-lat="' + r.lat + '" data-family="' +
        esc(r.family) + '">' + esc(r.name) + "</a> · " + esc(r.type_name) + d + "</li>";
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
      focus(Number(a.dataset.id), Number(a.dataset.lon), Number(a.dataset.lat), a.dataset.family);
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
