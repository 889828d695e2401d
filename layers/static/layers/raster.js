/* Imagery pages: conversion progress, raster tiles with the green-coverage choropleth, before/after swipe. */
(function () {
  "use strict";

  function config() {
    var el = document.getElementById("raster-config");
    return el ? JSON.parse(el.textContent) : {};
  }

  var esc = gridwork.esc;

  function fit(map, bounds) {
    if (bounds) map.fitBounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]]);
  }

  function shareColor(share) {
    if (share >= 0.75) return "#1a9641";
    if (share >= 0.5) return "#a6d96a";
    if (share >= 0.25) return "#fdae61";
    return "#d7191c";
  }

  function rasterMap(map) {
    var cfg = config();
    fit(map, cfg.bounds);
    var tiles = L.tileLayer(cfg.tiles, { maxZoom: 22, maxNativeZoom: 22, className: "raster-tiles" }).addTo(map);
    var form = document.getElementById("band-form");
    if (form) {
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        var q = new URLSearchParams();
        ["bands", "rescale"].forEach(function (k) { if (form.elements[k].value.trim()) q.set(k, form.elements[k].value.trim()); });
        tiles.setUrl(cfg.tiles + (q.toString() ? "?" + q.toString() : ""));
      });
    }
    fetch(cfg.coverage, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
      if (!data.features.length) return;
      var cells = L.geoJSON(data, {
        style: function (f) {
          return { color: "#333", weight: f.properties.kind === "zone" ? 3 : 1, fillColor: shareColor(f.properties.share),
                   fillOpacity: f.properties.kind === "zone" ? 0 : 0.45, className: "coverage-" + f.properties.kind };
        },
        onEachFeature: function (f, l) {
          l.bindTooltip(esc(f.properties.label) + ": " + (100 * f.properties.share).toFixed(1) + "%");
        },
      }).addTo(map);
      var overlays = {}; overlays[cfg.coverageLabel] = cells; L.control.layers(null, overlays).addTo(map);
      document.getElementById("coverage-legend").hidden = false;
      var table = document.getElementById("coverage-table");
      table.hidden = false;
      table.querySelector("tbody").innerHTML = data.features.map(function (f) {
        var p = f.properties;
        return "<tr class='coverage-row'><td>" + esc(p.label) + "</td><td>" + (100 * p.share).toFixed(1) + "%</td><td>" +
          p.green_m2.toFixed(0) + "</td><td>" + p.area_m2.toFixed(0) + "</td></tr>";
      }).join("");
    });
  }

  function compareMap(map) {
    var cfg = config();
    fit(map, cfg.bounds);
    map.createPane("before");
    map.getPane("before").style.zIndex = 450;
    L.tileLayer(cfg.after, { maxZoom: 22, className: "after-tiles" }).addTo(map);
    L.tileLayer(cfg.before, { maxZoom: 22, pane: "before", className: "before-tiles" }).addTo(map);
    var divider = document.getElementById("swipe-divider");
    var pane = map.getPane("before");
    var ratio = 0.5;
    function clip() {
      var size = map.getSize();
      var nw = map.containerPointToLayerPoint([0, 0]);
      var se = map.containerPointToLayerPoint(size);
      var x = nw.x + size.x * ratio;
      pane.style.clip = "rect(" + nw.y + "px, " + x + "px, " + se.y + "px, " + nw.x + "px)";
      divider.style.left = (100 * ratio) + "%";
    }
    var dragging = false;
    function move(e) {
      if (!dragging) return;
      var rect = map.getContainer().getBoundingClientRect();
      var clientX = e.touches ? e.touches[0].clientX : e.clientX;
      ratio = Math.min(1, Math.max(0, (clientX - rect.left) / rect.width));
      clip();
      e.preventDefault();
    }
    function start(e) { dragging = true; map.dragging.disable(); e.preventDefault(); e.stopPropagation(); }
    function stop() { if (dragging) { dragging = false; map.dragging.enable(); } }
    divider.addEventListener("mousedown", start);
    divider.addEventListener("touchstart", start);
    document.addEventListener("mousemove", move);
    document.addEventListener("touchmove", move, { passive: false });
    document.addEventListener("mouseup", stop);
    document.addEventListener("touchend", stop);
    divider.addEventListener("keydown", function (e) {
      if (e.key === "ArrowLeft") ratio = Math.max(0, ratio - 0.05);
      else if (e.key === "ArrowRight") ratio = Math.min(1, ratio + 0.05);
      else return;
      clip();
    });
    map.on("move zoom resize", clip);
    clip();
    window.gridworkRaster.swipe = { set: function (r) { ratio = r; clip(); } };
  }

  var pollJob = gridwork.pollJob;

  window.gridworkRaster = { rasterMap: rasterMap, compareMap: compareMap };
  document.addEventListener("DOMContentLoaded", pollJob);
})();
