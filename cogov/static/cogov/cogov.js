/* Dashboard: choropleth of grid cells (click a cell to drill down) and a chart of the child units (click a bar). */
(function () {
  "use strict";

  var readJSON = gridwork.readJSON;

  var BREAKS = {
    sanitary_rate: [[90, "#1a9850"], [75, "#91cf60"], [50, "#fee08b"], [25, "#fc8d59"], [0, "#d73027"]],
    courtyard_share: [[85, "#1a9850"], [60, "#91cf60"], [40, "#fee08b"], [20, "#fc8d59"], [0, "#d73027"]]
  };

  function breaksFor(metric, features) {
    if (BREAKS[metric]) return BREAKS[metric];
    var max = 0;
    features.forEach(function (f) { max = Math.max(max, f.properties[metric] || 0); });
    var step = Math.max(1, Math.ceil(max / 5));
    var colours = ["#08519c", "#3182bd", "#6baed6", "#bdd7e7", "#eff3ff"];
    return colours.map(function (c, i) { return [step * (4 - i), c]; });
  }

  function colour(value, breaks) {
    if (value === null || value === undefined) return "#cccccc";
    for (var i = 0; i < breaks.length; i++) if (value >= breaks[i][0]) return breaks[i][1];
    return "#cccccc";
  }

  function drillUrl(config, level, id) {
    return config.base.replace("LEVEL", level).replace("/ID/", "/" + id + "/") + (config.query ? "?" + config.query : "");
  }

  var esc = gridwork.esc;

  function dashboardMap(map) {
    var config = readJSON("dashboard-config");
    var cells = { type: "FeatureCollection", features: [] };
    var select = document.getElementById("metric");
    var legend = document.getElementById("legend");
    var layer = null;

    function draw() {
      var metric = select.value;
      var breaks = breaksFor(metric, cells.features);
      if (layer) map.removeLayer(layer);
      layer = L.geoJSON(cells, {
        style: function (f) {
          var v = f.properties.households ? f.properties[metric] : null;
          return { color: "#555", weight: 1, fillOpacity: 0.75, fillColor: colour(v, breaks) };
        },
        onEachFeature: function (f, l) {
          var p = f.properties;
          l.bindTooltip(esc(p.code) + "<br>" + esc(config.labels[metric]) + ": " +
            esc(p.households ? p[metric] : config.labels.nodata) + "<br>" + esc(config.labels.households) + ": " + p.households);
          l.on("click", function () { window.location.href = drillUrl(config, p.drill_level, p.drill_id); });
        }
      }).addTo(map);
      layer.eachLayer(function (l) {
        var el = l.getElement && l.getElement();
        if (el) { el.setAttribute("data-code", l.feature.properties.code); el.classList.add("dash-cell"); }
      });
      // No zoom animation: once data-ready is set, every cell is where it will stay (a click lands on it).
      if (cells.features.length) map.fitBounds(layer.getBounds(), { animate: false });
      legend.innerHTML = breaks.map(function (b) { return "<span style='background:" + b[1] + "'></span>≥ " + b[0]; }).join("");
      document.getElementById("dashboard-map").setAttribute("data-ready", "1");
    }
    select.addEventListener("change", draw);
    drawChart(config);
    // The cells come from one cached GeoJSON request, not from the page's HTML.
    fetch(config.cells, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) throw new Error(r.status + " " + config.cells);
        return r.json();
      })
      .then(function (data) { cells = data; draw(); });
  }

  function drawChart(config) {
    var canvas = document.getElementById("units-chart");
    var units = readJSON("children-data");
    if (!canvas || !units || !units.length || typeof Chart === "undefined") return;
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: units.map(function (u) { return u.name; }),
        datasets: [
          { label: config.labels.sanitary_rate, data: units.map(function (u) { return u.sanitary_rate; }), backgroundColor: "#1a9850" },
          { label: config.labels.courtyard_share, data: units.map(function (u) { return u.courtyard_share; }), backgroundColor: "#fdae61" }
        ]
      },
      options: {
        animation: false,
        scales: { y: { beginAtZero: true, max: 100 } },
        onClick: function (evt, elements) {
          if (!elements.length) return;
          var u = units[elements[0].index];
          window.location.href = drillUrl(config, u.level, u.id);
        }
      }
    });
  }

  window.cogov = { dashboardMap: dashboardMap };
})();
