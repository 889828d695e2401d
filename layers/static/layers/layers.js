/* Layers pages: import preview map and job progress. */
(function () {
  "use strict";

  function config() {
    var el = document.getElementById("layers-config");
    return el ? JSON.parse(el.textContent) : {};
  }

  var esc = gridwork.esc;

  function previewMap(map) {
    fetch(config().preview, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
      if (data.error) return;
      var layer = L.geoJSON(data, {
        style: { color: "#d62728", weight: 2, fillOpacity: 0.2, className: "preview-shape" },
        pointToLayer: function (f, ll) { return L.circleMarker(ll, { radius: 5, className: "preview-shape" }); },
        onEachFeature: function (f, l) {
          l.bindTooltip(Object.keys(f.properties).map(function (k) { return esc(k) + ": " + esc(f.properties[k]); }).join("<br>"));
        },
      }).addTo(map);
      if (layer.getLayers().length) map.fitBounds(layer.getBounds());
    });
  }

  var pollJob = gridwork.pollJob;

  window.gridworkLayers = { previewMap: previewMap };
  document.addEventListener("DOMContentLoaded", pollJob);
})();
