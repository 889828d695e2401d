/* The map of an OGC API Features page (/ogc/collections/<id>/items?f=html): the page's features, coloured by the
   property chosen in the "colour by" list (one colour per value, a legend beside the map). Data come from
   json_script elements; nothing runs inline. */
(function () {
  "use strict";
  var PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#393b79", "#637939"];

  var readJSON = window.gridwork.readJSON;

  function itemsMap(map) {
    var features = readJSON("ogc-features") || [];
    var by = (readJSON("ogc-style") || {}).property || "";
    var colours = {};
    var values = [];
    features.forEach(function (f) {
      var v = by ? String(f.properties[by]) : "";
      if (!(v in colours)) {
        colours[v] = PALETTE[values.length % PALETTE.length];
        values.push(v);
      }
    });
    function colour(f) { return colours[by ? String(f.properties[by]) : ""]; }
    var layer = L.geoJSON({ type: "FeatureCollection", features: features }, {
      style: function (f) { return { color: colour(f), weight: 2, fillOpacity: 0.35 }; },
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, { radius: 6, color: colour(f), fillOpacity: 0.8 });
      },
      onEachFeature: function (f, l) {
        var label = by ? by + ": " + f.properties[by] : String(f.id);
        var text = document.createElement("span");
        text.textContent = label;  // an element, not a string: Leaflet would read a string as HTML
        l.bindTooltip(text);
      },
    }).addTo(map);
    if (features.length) map.fitBounds(layer.getBounds(), { animate: false });
    var legend = document.getElementById("ogc-legend");
    if (legend && by) {
      values.slice(0, PALETTE.length).forEach(function (v) {
        var li = document.createElement("li");
        var swatch = document.createElement("span");
        swatch.className = "swatch";
        swatch.style.background = colours[v];
        li.appendChild(swatch);
        li.appendChild(document.createTextNode(" " + v));
        legend.appendChild(li);
      });
    }
    var select = document.getElementById("ogc-style-select");
    if (select) select.addEventListener("change", function () { select.form.submit(); });
    document.getElementById("ogc-map").dataset.ready = "1";
  }

  window.ogc = { itemsMap: itemsMap };
})();
