/* Layers pages: import preview map and job progress. */
(function () {
  "use strict";

  function config() {
    var el = document.getElementById("layers-config");
    return el ? JSON.parse(el.textContent) : {};
  }

  function esc(s) {
    return String(s === null || s === undefined ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

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

  window.gridworkLayers = { previewMap: previewMap };
  document.addEventListener("DOMContentLoaded", pollJob);
})();
