/* Patrols of a cell and day (/field/patrols/): the cell's outline and the day's tracks. */
(function () {
  "use strict";
  var el = document.getElementById("patrol-config");
  var box = document.getElementById("patrol-map");
  if (!el || !box) return;
  var cfg = JSON.parse(el.textContent);
  var map = L.map(box);
  if (cfg.tiles) L.tileLayer(cfg.tiles.url, { attribution: cfg.tiles.attribution, maxZoom: 19 }).addTo(map);
  var outline = L.geoJSON(cfg.cell, { style: { color: "#1f5f8b", weight: 2, fillOpacity: 0.05 } }).addTo(map);
  var tracks = L.geoJSON({ type: "FeatureCollection", features: cfg.tracks }, {
    style: { color: "#e67e22", weight: 4, className: "patrol-track" },
    onEachFeature: function (f, layer) {
      var label = document.createElement("span");
      label.textContent = f.properties.worker + " · " + f.properties.km.toFixed(2) + " km";
      layer.bindTooltip(label);
    },
  }).addTo(map);
  map.fitBounds(outline.getBounds(), { animate: false });
  box.dataset.tracks = String(tracks.getLayers().length);
})();
