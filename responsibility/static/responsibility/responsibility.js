/* Responsibility pages: lookup map, worker assignment, area editor (Leaflet-Geoman), coverage gaps. */
(function () {
  "use strict";
  var gw = window.gridwork;

  var readJSON = gridwork.readJSON;
  var esc = gridwork.esc;
  var send = gridwork.sendJSON;
  var flatten = gridwork.flattenErrors;
  var KIND_COLOURS = { frontage: "#e6550d", road: "#3182bd", zone: "#756bb1", adoption: "#31a354" };
  var palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"];
  function colourFor(key) {
    var h = 0;
    for (var i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) >>> 0;
    return palette[h % palette.length];
  }
  function areaStyle(f) {
    var c = KIND_COLOURS[f.properties.kind] || "#555";
    return { color: c, weight: 2, fillColor: c, fillOpacity: 0.25 };
  }

  /* --- Who is responsible here? --- */
  function lookupMap(map) {
    var cfg = readJSON("lookup-config");
    var t = readJSON("resp-i18n");
    var dateInput = document.getElementById("lookup-date");
    var result = document.getElementById("lookup-result");
    var areas = L.geoJSON(null, { style: areaStyle }).addTo(map);
    gw.fetchAll(cfg.communities + "?page_size=500").then(function (features) {
      var outline = L.geoJSON({ type: "FeatureCollection", features: features }, { style: { color: "#444", weight: 1, fill: false } }).addTo(map);
      if (features.length) map.fitBounds(outline.getBounds());
    });
    function loadAreas() {
      var b = map.getBounds();
      var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].join(",");
      gw.fetchAll(cfg.areas + "?page_size=1000&bbox=" + bbox).then(function (features) {
        areas.clearLayers();
        areas.addData({ type: "FeatureCollection", features: features });
      });
    }
    map.on("moveend", loadAreas);
    map.on("click", function (ev) {
      var url = cfg.lookup + "?lon=" + ev.latlng.lng.toFixed(7) + "&lat=" + ev.latlng.lat.toFixed(7) + "&date=" + dateInput.value;
      fetch(url, { headers: { Accept: "application/json" } }).then(function (r) { return r.json(); }).then(function (d) {
        var html = '<div class="lookup-popup">';
        if (d.cell) {
          html += "<strong>" + esc(t.cell) + ": " + esc(d.cell.code) + "</strong> · " + esc(d.cell.community) + "<br>";
          if (d.boundary_cells.length) html += esc(t.alsoOn) + " " + d.boundary_cells.map(esc).join("、") + "<br>";
          html += esc(t.workers) + ": " + (d.workers.length ? d.workers.map(function (w) { return esc(w.name); }).join("、") : esc(t.none));
        } else {
          html += esc(t.outside);
        }
        if (d.areas.length) {
          html += "<br><strong>" + esc(t.areas) + "</strong><ul>" + d.areas.map(function (a) {
            return "<li>" + esc(a.kind_label) + " · " + esc(a.name) + " · " + esc(a.party) + (a.duties.length ? " (" + a.duties.map(esc).join("、") + ")" : "") + "</li>";
          }).join("") + "</ul>";
        }
        html += "</div>";
        L.popup().setLatLng(ev.latlng).setContent(html).openOn(map);
        result.innerHTML = html;
      });
    });
  }

  /* --- Assign grid workers --- */
  function pointInPolygon(pt, ring) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i].lng, yi = ring[i].lat, xj = ring[j].lng, yj = ring[j].lat;
      if ((yi > pt.lat) !== (yj > pt.lat) && pt.lng < ((xj - xi) * (pt.lat - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  }

  function assignMap(map) {
    var cfg = readJSON("assign-config");
    var t = readJSON("resp-i18n");
    var outline = L.geoJSON(readJSON("community-geojson"), { style: { color: "#333", weight: 3, fill: false }, pmIgnore: true }).addTo(map);
    map.fitBounds(outline.getBounds());
    var cells = L.featureGroup().addTo(map);
    var selected = {};
    var dateInput = document.getElementById("history-date");
    var form = document.getElementById("assign-form");
    var message = document.getElementById("assign-message");

    function primaryOf(f) {
      var p = (f.properties.workers || []).filter(function (w) { return w.role === "primary"; });
      return p.length ? p[0].name : null;
    }
    function styleCell(layer) {
      var f = layer.feature;
      var who = primaryOf(f);
      var sel = selected[f.id];
      layer.setStyle({
        color: sel ? "#0033cc" : who ? "#333" : "#d00000",
        weight: sel ? 4 : who ? 1 : 3,
        dashArray: who ? null : "6 4",
        fillColor: who ? colourFor(who) : "#ffcccc",
        fillOpacity: sel ? 0.6 : 0.4,
      });
      layer.getElement() && layer.getElement().classList.toggle("uncovered-cell", !who);
      layer.getElement() && layer.getElement().classList.toggle("selected-cell", !!sel);
    }
    function showSelection() {
      var codes = [];
      cells.eachLayer(function (l) { if (selected[l.feature.id]) codes.push(l.feature.properties.code.slice(-3)); });
      document.getElementById("selected-cells").textContent = codes.length ? codes.sort().join(", ") : "—";
    }
    function load() {
      var url = cfg.cells + "?community=" + cfg.community + "&page_size=500&on=" + dateInput.value;
      return gw.fetchAll(url).then(function (features) {
        cells.clearLayers();
        var legend = {};
        features.forEach(function (f) {
          L.geoJSON(f, { pmIgnore: true }).eachLayer(function (l) {
            l.feature = f;
            l.options.className = "cell-shape";
            cells.addLayer(l);
            l.getElement() && l.getElement().classList.add("cell-shape");
            l.bindTooltip(esc(f.properties.code.slice(-3) + " · " + (primaryOf(f) || t.uncovered)), { permanent: true, direction: "center", className: "cell-label" });
            l.on("click", function () {
              if (selected[f.id]) delete selected[f.id]; else selected[f.id] = true;
              styleCell(l);
              showSelection();
            });
            styleCell(l);
            var who = primaryOf(f);
            legend[who || ""] = who ? colourFor(who) : "#ffcccc";
          });
        });
        document.getElementById("worker-legend").innerHTML = Object.keys(legend).sort().map(function (k) {
          return '<li><span class="swatch" style="background:' + legend[k] + '"></span>' + esc(k || t.uncovered) + "</li>";
        }).join("");
        document.getElementById("assign-map").dataset.loaded = "cells";
      });
    }
    dateInput.addEventListener("change", load);
    if (map.pm) {
      map.pm.addControls({ position: "topleft", drawMarker: false, drawCircleMarker: false, drawPolyline: false, drawRectangle: true,
        drawCircle: false, drawText: false, editMode: false, dragMode: false, cutPolygon: false, removalMode: false, rotateMode: false });
      map.on("pm:create", function (e) {
        var ring = e.layer.getLatLngs()[0];
        cells.eachLayer(function (l) {
          if (pointInPolygon(l.getBounds().getCenter(), ring)) selected[l.feature.id] = true;
          styleCell(l);
        });
        map.removeLayer(e.layer);
        showSelection();
      });
    }
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var ids = Object.keys(selected).map(Number);
      if (!ids.length) { message.textContent = t.chooseCells; return; }
      var fd = new FormData(form);
      send("POST", cfg.bulk, { cells: ids, worker: Number(fd.get("worker")), role: fd.get("role"), start: fd.get("start"), end: fd.get("end") || null })
        .then(function (res) {
          if (res.ok) {
            message.className = "ok";
            message.textContent = t.assigned;
            selected = {};
            showSelection();
            load();
          } else {
            message.className = "errors";
            message.textContent = flatten(res.data).join(" ");
          }
        });
    });
    load();
  }

  /* --- Area editor --- */
  function editorMap(map) {
    var cfg = readJSON("editor-config");
    var t = readJSON("resp-i18n");
    var form = document.getElementById("area-form");
    var errors = document.getElementById("area-errors");
    var outline = L.geoJSON(readJSON("community-geojson"), { style: { color: "#333", weight: 3, fill: false } }).addTo(map);
    map.fitBounds(outline.getBounds());
    // Snapping targets: cell edges, building footprints and the other areas of the community.
    gw.fetchAll(cfg.cells + "?community=" + cfg.community + "&page_size=500").then(function (fs) {
      L.geoJSON({ type: "FeatureCollection", features: fs }, { style: { color: "#888", weight: 1, fill: false } }).addTo(map);
    });
    gw.fetchAll(cfg.buildings + "?community=" + cfg.community + "&page_size=1000").then(function (fs) {
      L.geoJSON({ type: "FeatureCollection", features: fs }, { style: { color: "#7a2e00", weight: 1, fillOpacity: 0.3 } }).addTo(map);
    });
    gw.fetchAll(cfg.api + "?community=" + cfg.community + "&page_size=1000").then(function (fs) {
      fs = fs.filter(function (f) { return !cfg.initial || f.id !== cfg.initial.id; });
      L.geoJSON({ type: "FeatureCollection", features: fs }, { style: areaStyle }).addTo(map);
    });
    var drawn = null;
    var kind = form.elements.kind;
    if (form.elements.community_switch) {
      form.elements.community_switch.addEventListener("change", function (ev) {
        window.location.search = "?community=" + encodeURIComponent(ev.target.value);
      });
    }
    function setKind() {
      var road = kind.value === "road";
      document.querySelectorAll(".road-only").forEach(function (el) { el.style.display = road ? "" : "none"; });
      map.pm.addControls({ position: "topleft", drawMarker: false, drawCircleMarker: false, drawCircle: false, drawText: false,
        drawRectangle: !road, drawPolygon: !road, drawPolyline: road, cutPolygon: false, rotateMode: false, dragMode: false });
    }
    map.pm.setGlobalOptions({ snappable: true, snapDistance: 15, allowSelfIntersection: false });
    kind.addEventListener("change", setKind);
    map.on("pm:create", function (e) {
      if (drawn) map.removeLayer(drawn);
      drawn = e.layer;
    });
    map.on("pm:remove", function (e) { if (e.layer === drawn) drawn = null; });
    if (cfg.initial) {
      var init = cfg.initial;
      ["kind", "name", "party", "start", "end", "width_m", "note"].forEach(function (k) {
        if (init[k] !== null && init[k] !== undefined && form.elements[k]) form.elements[k].value = init[k];
      });
      form.querySelectorAll("[name=duties]").forEach(function (cb) { cb.checked = init.duties.indexOf(cb.value) >= 0; });
      L.geoJSON(init.geometry).eachLayer(function (l) { drawn = l; l.addTo(map); l.pm.enable({ snappable: true }); });
    }
    setKind();
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      errors.innerHTML = "";
      var fd = new FormData(form);
      if (!drawn) { errors.innerHTML = "<li>" + esc(t.drawFirst) + "</li>"; return; }
      var partyReady;
      if (fd.get("new_party_name")) {
        partyReady = send("POST", cfg.parties, { kind: fd.get("new_party_kind"), name: fd.get("new_party_name") }).then(function (r) {
          if (!r.ok) throw flatten(r.data);
          return r.data.id;
        });
      } else if (fd.get("party")) {
        partyReady = Promise.resolve(Number(fd.get("party")));
      } else {
        errors.innerHTML = "<li>" + esc(t.partyFirst) + "</li>";
        return;
      }
      var geometry = drawn.toGeoJSON().geometry;
      partyReady.then(function (partyId) {
        var props = { kind: fd.get("kind"), name: fd.get("name"), party: partyId, duties: fd.getAll("duties"),
          start: fd.get("start"), end: fd.get("end") || null, note: fd.get("note"), community: cfg.community };
        if (props.kind === "road") props.width_m = Number(fd.get("width_m"));
        var feature = { type: "Feature", geometry: geometry, properties: props };
        var url = cfg.initial ? cfg.api + cfg.initial.id + "/" : cfg.api;
        return send(cfg.initial ? "PUT" : "POST", url, feature);
      }).then(function (res) {
        if (res.ok) {
          window.location = cfg.detail.replace("/0/", "/" + res.data.id + "/");
        } else {
          var msgs = flatten(res.data);
          if (!msgs.length) msgs = [t.failed + " (" + res.status + ")"];
          errors.innerHTML = msgs.map(function (m) { return "<li>" + esc(m) + "</li>"; }).join("");
        }
      }).catch(function (msgs) {
        errors.innerHTML = flatten(msgs).map(function (m) { return "<li>" + esc(m) + "</li>"; }).join("");
      });
    });
  }

  /* --- Coverage gaps --- */
  function coverageMap(map) {
    var outline = L.geoJSON(readJSON("community-geojson"), { style: { color: "#333", weight: 3, fill: false } }).addTo(map);
    map.fitBounds(outline.getBounds());
    var gaps = readJSON("gaps-geojson");
    var layer = L.geoJSON(null, {
      style: function (f) { return f.properties.what === "roads" ? { color: "#d00000", weight: 4 } : { color: "#d00000", weight: 0, fillColor: "#d00000", fillOpacity: 0.25 }; },
    }).addTo(map);
    var select = document.getElementById("gap-kind");
    function show() {
      layer.clearLayers();
      layer.addData({ type: "FeatureCollection", features: gaps.features.filter(function (f) { return f.properties.kind === select.value; }) });
    }
    select.addEventListener("change", show);
    show();
  }

  window.responsibility = { lookupMap: lookupMap, assignMap: assignMap, editorMap: editorMap, coverageMap: coverageMap };
})();
