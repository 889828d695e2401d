/* Renovation planning pages: zone list map, zone editor (Leaflet-Geoman), zone detail, consent survey, public plan. */
(function () {
  "use strict";

  var readJSON = gridwork.readJSON;
  var esc = gridwork.esc;
  var send = gridwork.sendJSON;
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) { return r.json(); });
  }
  var flatten = gridwork.flattenErrors;
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_m, k) { return values[k]; });
  }
  var ZONE_STYLE = { color: "#c2410c", weight: 3, fillColor: "#f97316", fillOpacity: 0.2 };
  var COMPOUND_STYLE = { color: "#1f5fa8", weight: 1, fillColor: "#8fb3d9", fillOpacity: 0.2 };

  function zoneOutline(map) {
    var geo = readJSON("zone-geojson");
    if (!geo) return null;
    var layer = L.geoJSON(geo, { style: ZONE_STYLE, pmIgnore: true }).addTo(map);
    map.fitBounds(layer.getBounds(), { padding: [20, 20] });
    return layer;
  }

  /* --- All zones --- */
  function zonesMap(map) {
    var cfg = readJSON("planning-config");
    window.gridwork.fetchAll(cfg.zones + "?page_size=500").then(function (features) {
      var layer = L.geoJSON({ type: "FeatureCollection", features: features }, {
        style: ZONE_STYLE,
        onEachFeature: function (f, l) {
          l.bindTooltip(esc(f.properties.name));
          l.on("click", function () { window.location = cfg.zonePage.replace("/0/", "/" + f.id + "/"); });
        },
      }).addTo(map);
      if (features.length) map.fitBounds(layer.getBounds());
    });
  }

  /* --- Zone editor: two modes, never mixed. Drawing: a boundary drawn with Leaflet-Geoman (corners snap to compounds
     and buildings); clicks on compounds do nothing. Choosing: clicks on compounds add or remove them. The zone saved
     and previewed is the one of the mode shown. --- */
  function zoneEditor(map) {
    var cfg = readJSON("planning-config");
    var t = readJSON("planning-i18n");
    var ed = readJSON("zone-editor-text");
    var init = readJSON("zone-initial");
    var form = document.getElementById("zone-form");
    var errors = document.getElementById("zone-errors");
    var preview = document.getElementById("preview-stats");
    var modeHint = document.getElementById("mode-hint");
    var mapEl = document.getElementById("zone-map");
    var mode = "draw";
    var drawn = null;
    var working = null;  // the shape being drawn, until Geoman finishes or cancels it
    var chosen = {};
    var compounds = L.featureGroup().addTo(map);
    var buildings = L.geoJSON(null, { style: { color: "#7a2e00", weight: 1, fillOpacity: 0.3 } }).addTo(map);

    // The map's controls speak the page's language (Leaflet's zoom titles are read when the control is made).
    if (map.zoomControl) map.removeControl(map.zoomControl);
    map.zoomControl = L.control.zoom({ position: "topleft", zoomInTitle: ed.zoomIn, zoomOutTitle: ed.zoomOut }).addTo(map);
    map.pm.setLang(ed.lang, ed.geoman, "en");
    var TOOLBAR = { position: "topleft", drawMarker: false, drawCircleMarker: false, drawPolyline: false, drawCircle: false,
      drawText: false, drawRectangle: true, drawPolygon: true, cutPolygon: false, rotateMode: false, dragMode: false };

    function chosenIds() { return Object.keys(chosen).map(Number); }
    function showChosen() {
      var names = [];
      compounds.eachLayer(function (l) {
        var sel = mode === "select" && !!chosen[l.feature.id];
        l.setStyle(sel ? { color: "#c2410c", weight: 3, fillColor: "#f97316", fillOpacity: 0.35 } : COMPOUND_STYLE);
        if (sel) names.push(l.feature.properties.name);
      });
      document.getElementById("chosen-compounds").textContent = names.length ? names.sort().join("、") : "—";
    }
    function payload() {
      var fd = new FormData(form);
      var props = { name: fd.get("name"), buffer_m: Number(fd.get("buffer_m") || 0) };
      if (mode === "select") {
        if (!chosenIds().length) return null;
        props.compound_ids = chosenIds();
        return { type: "Feature", geometry: null, properties: props };
      }
      if (!drawn) return null;
      return { type: "Feature", geometry: drawn.toGeoJSON().geometry, properties: props };
    }
    function showErrors(msgs) {
      errors.innerHTML = msgs.map(function (m) { return "<li>" + esc(m) + "</li>"; }).join("");
    }
    function renderStats(s) {
      var rows = [
        [t.area, s.area_m2.toFixed(1) + " m²", "area"],
        [t.households, s.households.count, "households"],
        [t.residents, s.households.residents, "residents"],
        [t.buildings, s.buildings.count, "buildings"],
      ];
      if (s.assets) rows.push([t.green, s.assets.green_m2.toFixed(1) + " m²", "green"]);
      preview.innerHTML = '<dl class="fields">' + rows.map(function (r) {
        return "<dt>" + esc(r[0]) + '</dt><dd data-stat="' + r[2] + '">' + esc(r[1]) + "</dd>";
      }).join("") + "</dl>";
    }
    // Each change asks for a new preview; only the answer to the latest request is drawn (answers can arrive out
    // of order), and data-state says whether what is shown answers the zone as it is now.
    var previewSeq = 0;
    function refresh() {
      var mine = ++previewSeq;
      var body = payload();
      if (!body) { preview.innerHTML = ""; preview.dataset.state = "empty"; return; }
      preview.dataset.state = "loading";
      body.properties.name = body.properties.name || "preview";
      send("POST", cfg.preview, body).then(function (res) {
        if (mine !== previewSeq) {
          preview.dataset.dropped = String(Number(preview.dataset.dropped || 0) + 1);
          return;
        }
        if (res.ok) { errors.innerHTML = ""; renderStats(res.data.stats); } else { showErrors(flatten(res.data)); }
        preview.dataset.state = res.ok ? "ready" : "error";
      });
    }

    function setMode(m) {
      mode = m;
      mapEl.dataset.mode = m;
      form.dataset.mode = m;
      document.getElementById("select-fields").hidden = m !== "select";
      modeHint.textContent = m === "draw" ? ed.drawHint : ed.selectHint;
      if (m === "draw") {
        if (!map.pm.controlsVisible()) map.pm.addControls(TOOLBAR);
        if (drawn && !map.hasLayer(drawn)) drawn.addTo(map);
      } else {
        map.pm.disableDraw();
        map.pm.disableGlobalEditMode();
        map.pm.disableGlobalRemovalMode();
        if (map.pm.controlsVisible()) map.pm.removeControls();
        if (drawn) map.removeLayer(drawn);  // kept for the drawing mode, not part of this zone
      }
      errors.innerHTML = "";
      showChosen();
      refresh();
    }
    form.querySelectorAll("input[name=mode]").forEach(function (r) {
      r.addEventListener("change", function () { if (r.checked) setMode(r.value); });
    });

    window.gridwork.fetchAll(cfg.compounds + "?page_size=1000").then(function (features) {
      features.forEach(function (f) {
        L.geoJSON(f, { style: COMPOUND_STYLE }).eachLayer(function (l) {
          l.options.className = "compound-shape compound-" + f.id;
          l.feature = f;
          l.bindTooltip(esc(f.properties.name));
          l.on("click", function () {
            if (mode !== "select") return;  // while drawing, a click places a corner and nothing else
            if (chosen[f.id]) delete chosen[f.id]; else chosen[f.id] = true;
            showChosen();
            refresh();
          });
          compounds.addLayer(l);
        });
      });
      if (init) {
        var z = L.geoJSON(init.geometry);
        map.fitBounds(z.getBounds(), { padding: [30, 30], animate: false });
      } else if (features.length) {
        map.fitBounds(compounds.getBounds(), { padding: [60, 60], animate: false });
      }
      mapEl.dataset.loaded = "compounds";
    });
    function loadBuildings() {
      if (map.getZoom() < 15) { buildings.clearLayers(); return; }
      var b = map.getBounds();
      var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].join(",");
      window.gridwork.fetchAll(cfg.buildings + "?page_size=1000&bbox=" + bbox).then(function (fs) {
        buildings.clearLayers();
        buildings.addData({ type: "FeatureCollection", features: fs });
      });
    }
    map.on("moveend", loadBuildings);

    map.pm.addControls(TOOLBAR);
    map.pm.setGlobalOptions({ snappable: true, snapDistance: 15, allowSelfIntersection: false });
    function watch(layer) {
      layer.on("pm:edit", refresh);
    }
    map.on("pm:drawstart", function (e) { working = e.workingLayer; });
    map.on("pm:drawend", function () { working = null; });
    // A drawing has begun once its first corner is placed (Geoman puts the working shape on the map then).
    function drawingUnfinished() {
      if (!working || !map.hasLayer(working) || !working.getLatLngs) return false;
      return L.LineUtil.isFlat(working.getLatLngs()) ? working.getLatLngs().length > 0 : true;
    }
    map.on("pm:create", function (e) {
      if (drawn) map.removeLayer(drawn);
      drawn = e.layer;
      watch(drawn);
      refresh();
    });
    map.on("pm:remove", function (e) { if (e.layer === drawn) { drawn = null; refresh(); } });
    if (init) {
      form.elements.name.value = init.name;
      form.elements.buffer_m.value = init.buffer_m;
      L.geoJSON(init.geometry).eachLayer(function (l) { drawn = l; l.addTo(map); l.pm.enable({ snappable: true }); watch(l); });
    }
    form.elements.buffer_m.addEventListener("change", refresh);
    setMode("draw");
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (mode === "draw" && drawingUnfinished()) { showErrors([ed.unfinished]); return; }
      var body = payload();
      if (!body) { showErrors([t.drawFirst]); return; }
      var url = init ? cfg.zones + init.id + "/" : cfg.zones;
      send(init ? "PATCH" : "POST", url, body).then(function (res) {
        if (res.ok) {
          window.location = cfg.zonePage.replace("/0/", "/" + res.data.id + "/");
        } else {
          var msgs = flatten(res.data);
          showErrors(msgs.length ? msgs : [t.failed + " (" + res.status + ")"]);
        }
      });
    });
  }

  /* --- Zone page: the zone and compounds suggested within a distance --- */
  function zoneDetail(map) {
    var cfg = readJSON("planning-config");
    var t = readJSON("planning-i18n");
    zoneOutline(map);
    var suggested = L.geoJSON(null, { style: { color: "#1f5fa8", weight: 2, dashArray: "5 4", fillOpacity: 0.15 } }).addTo(map);
    var form = document.getElementById("adjacent-form");
    var list = document.getElementById("adjacent-list");
    function load() {
      getJSON(cfg.adjacent + "?distance=" + encodeURIComponent(form.elements.distance.value)).then(function (fc) {
        suggested.clearLayers();
        if (!fc.features) { list.innerHTML = "<li>" + esc(flatten(fc).join(" ")) + "</li>"; return; }
        suggested.addData(fc);
        list.innerHTML = fc.features.length ? fc.features.map(function (f) {
          return "<li>" + esc(f.properties.name) + " · " + esc(f.properties.distance_m) + " m</li>";
        }).join("") : "<li>" + esc(t.none) + "</li>";
      });
    }
    form.addEventListener("submit", function (ev) { ev.preventDefault(); load(); });
    load();
  }

  /* --- Consent survey: households that have not voted, by door plate --- */
  function surveyMap(map) {
    var cfg = readJSON("planning-config");
    var t = readJSON("planning-i18n");
    zoneOutline(map);
    var form = document.getElementById("vote-form");
    var message = document.getElementById("vote-message");
    var pending = L.featureGroup().addTo(map);
    var chosen = null;
    function choose(f) {
      chosen = f;
      document.getElementById("chosen-household").textContent = f.properties.door_plate;
    }
    function load() {
      getJSON(cfg.pending).then(function (fc) {
        pending.clearLayers();
        fc.features.forEach(function (f) {
          var m = L.circleMarker([f.geometry.coordinates[1], f.geometry.coordinates[0]], { radius: 6, color: "#b3261e", fillOpacity: 0.7 });
          m.bindTooltip(esc(f.properties.door_plate));
          m.on("click", function () { choose(f); });
          pending.addLayer(m);
        });
        document.getElementById("pending-count").textContent = fc.features.length;
        var list = document.getElementById("pending-list");
        list.innerHTML = fc.features.map(function (f) {
          return '<li><a href="#" data-id="' + f.id + '">' + esc(f.properties.door_plate) + "</a></li>";
        }).join("");
        list.querySelectorAll("a").forEach(function (a, i) {
          a.addEventListener("click", function (ev) { ev.preventDefault(); choose(fc.features[i]); });
        });
        document.getElementById("survey-map").dataset.loaded = "pending";
      });
    }
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var choice = new FormData(form).get("choice");
      if (!chosen || !choice) { message.className = "errors"; message.textContent = t.chooseFirst; return; }
      send("POST", cfg.votes, { household: chosen.id, choice: choice }).then(function (res) {
        if (res.ok) {
          message.className = "ok";
          message.textContent = t.recorded;
          var r = res.data;
          document.getElementById("consent-rates").textContent = fill(t.rates, {
            agree: r.agree, n: r.households, hh: r.by_households_pct + "%", area: r.by_area_pct + "%", voted: r.voted,
          });
          chosen = null;
          document.getElementById("chosen-household").textContent = "—";
          load();
        } else {
          message.className = "errors";
          message.textContent = flatten(res.data).join(" ");
        }
      });
    });
    load();
  }

  function planMap(map) {
    zoneOutline(map);
  }

  window.planning = { zonesMap: zonesMap, zoneEditor: zoneEditor, zoneDetail: zoneDetail, surveyMap: surveyMap, planMap: planMap };
})();
