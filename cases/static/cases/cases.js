/* Case pages: the mobile report (locate, duplicates, asset picker), the list + map in sync, the detail map. */
(function () {
  "use strict";

  var readJSON = gridwork.readJSON;
  var esc = gridwork.esc;
  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error(r.status + " " + url);
      return r.json();
    });
  }

  function reportMap(map) {
    var cfg = readJSON("report-config");
    var t = readJSON("cases-i18n");
    var components = readJSON("component-codes") || [];
    var lon = document.getElementById("id_lon");
    var lat = document.getElementById("id_lat");
    var category = document.getElementById("id_category");
    var located = document.getElementById("located");
    var dup = document.getElementById("duplicates");
    var picker = document.getElementById("asset-picker");
    var assetInput = document.getElementById("id_asset");
    var marker = null;

    function place(latlng, zoom) {
      if (marker) marker.setLatLng(latlng);
      else marker = L.marker(latlng).addTo(map);
      lon.value = latlng.lng.toFixed(7);
      lat.value = latlng.lat.toFixed(7);
      located.textContent = t.located + " (" + latlng.lng.toFixed(5) + ", " + latlng.lat.toFixed(5) + ")";
      located.dataset.set = "1";
      if (zoom) map.setView(latlng, 17);
      refresh();
    }

    function refresh() {
      if (!lon.value || !category.value) { dup.hidden = true; picker.hidden = true; return; }
      var q = "?lon=" + lon.value + "&lat=" + lat.value + "&category=" + encodeURIComponent(category.value);
      getJSON(cfg.nearby + q).then(function (data) {
        var ul = dup.querySelector("ul");
        ul.innerHTML = data.cases.map(function (c) {
          return '<li data-case="' + c.id + '">#' + c.id + " " + esc(c.category) + " · " + esc(c.state) + " · " +
            c.distance_m + " " + esc(t.away) + " · " + esc(c.reported) + "<br><small>" + esc(c.description) + "</small> " +
            '<button type="button" class="add-to" data-url="' + esc(c.add_url) + '">' + esc(t.addTo) + "</button></li>";
        }).join("");
        dup.hidden = data.cases.length === 0;
        dup.dataset.loaded = String(data.cases.length);
      });
      if (components.indexOf(category.value) >= 0) {
        getJSON(cfg.assets + "?lon=" + lon.value + "&lat=" + lat.value).then(function (data) {
          picker.querySelector("ul").innerHTML = data.assets.map(function (a) {
            return "<li>" + esc(a.identifier) + " · " + esc(a.name) + " · " + esc(a.type) + " · " + a.distance_m + " " +
              esc(t.away) + ' <button type="button" class="pick-asset" data-id="' + esc(a.identifier) + '" data-info="' +
              esc(a.type + " · " + a.department) + '">' + esc(t.pick) + "</button></li>";
          }).join("");
          picker.hidden = false;
        });
      } else {
        picker.hidden = true;
        assetInput.value = "";
      }
    }

    map.on("click", function (e) { place(e.latlng, false); });
    category.addEventListener("change", refresh);
    document.getElementById("locate-me").addEventListener("click", function () {
      if (!navigator.geolocation) { located.textContent = t.noGeo; return; }
      navigator.geolocation.getCurrentPosition(
        function (pos) { place(L.latLng(pos.coords.latitude, pos.coords.longitude), true); },
        function () { located.textContent = t.noGeo; },
        { enableHighAccuracy: true, timeout: 10000 }
      );
    });
    dup.addEventListener("click", function (e) {
      var b = e.target.closest(".add-to");
      if (!b) return;
      var form = document.getElementById("report-form");
      form.action = b.dataset.url;
      form.submit();
    });
    picker.addEventListener("click", function (e) {
      var b = e.target.closest(".pick-asset");
      if (!b) return;
      assetInput.value = b.dataset.id;
      document.getElementById("asset-info").textContent = b.dataset.info;
    });
    if (lon.value && lat.value) place(L.latLng(+lat.value, +lon.value), true);
    map.getContainer().dataset.ready = "1";
  }

  function listMap(map) {
    var cfg = readJSON("list-config");
    var t = readJSON("cases-i18n");
    var tbody = document.querySelector("#case-table tbody");
    var inView = document.getElementById("in-view");
    var markers = {};
    var colour = { reported: "#888", registered: "#1f5fa8", dispatched: "#e67e22", in_progress: "#d4a017",
      handled: "#8e44ad", verified: "#16a085", closed: "#2e7d32", rejected: "#555", reopened: "#c0392b" };
    var layer = L.geoJSON(null, {
      pointToLayer: function (f, latlng) {
        var p = f.properties;
        return L.circleMarker(latlng, { radius: 6, weight: p.overdue ? 3 : 1, color: p.overdue ? "#b3261e" : "#333",
          fillColor: colour[p.state] || "#888", fillOpacity: 0.85, className: "case-marker" });
      },
      onEachFeature: function (f, l) {
        markers[f.id] = l;
        var p = f.properties;
        l.bindPopup('<a href="' + esc(p.url) + '">#' + p.id + " " + esc(p.category) + "</a><br>" + esc(p.state_label));
      },
    }).addTo(map);
    var heat = L.geoJSON(null, {
      style: function (f) {
        var n = f.properties.count;
        return { weight: 0, fillColor: n > 20 ? "#b30000" : n > 10 ? "#e34a33" : n > 4 ? "#fc8d59" : "#fdcc8a", fillOpacity: 0.6 };
      },
    });
    var features = [];

    function timeLeft(p) {
      if (p.hours_left === null) return "";
      return p.overdue ? t.overdue + " " + Math.abs(p.hours_left) + t.hours : p.hours_left + t.hours;
    }

    function renderList() {
      var b = map.getBounds();
      var shown = features.filter(function (f) {
        return b.contains(L.latLng(f.geometry.coordinates[1], f.geometry.coordinates[0]));
      }).slice(0, 300);
      tbody.innerHTML = shown.map(function (f) {
        var p = f.properties;
        return '<tr data-id="' + p.id + '" class="' + (p.overdue ? "overdue" : "") + '"><td><a href="' + esc(p.url) + '">' +
          p.id + "</a></td><td>" + esc(p.category) + "</td><td>" + esc(p.state_label) + "</td><td>" + esc(p.cell) +
          "</td><td>" + esc(p.reported) + "</td><td>" + esc(timeLeft(p)) + "</td></tr>";
      }).join("");
      inView.textContent = shown.length + " / " + features.length;
      tbody.dataset.count = String(shown.length);
    }

    tbody.addEventListener("mouseover", function (e) {
      var tr = e.target.closest("tr");
      if (tr && markers[tr.dataset.id]) markers[tr.dataset.id].openPopup();
    });
    getJSON(cfg.features).then(function (data) {
      features = data.features;
      layer.addData(data);
      if (features.length) map.fitBounds(layer.getBounds(), { maxZoom: 16 });
      renderList();
      map.on("moveend", renderList);
      map.getContainer().dataset.loaded = "1";
    });
    document.getElementById("heat-toggle").addEventListener("change", function (e) {
      if (e.target.checked) {
        getJSON(cfg.heat).then(function (data) { heat.clearLayers(); heat.addData(data); heat.addTo(map); map.removeLayer(layer); });
      } else {
        map.removeLayer(heat);
        layer.addTo(map);
      }
    });
  }

  function detailMap(map) {
    var g = JSON.parse(document.getElementById("case-map-data").textContent);
    var latlng = L.latLng(g.coordinates[1], g.coordinates[0]);
    L.marker(latlng).addTo(map);
    map.setView(latlng, 17);
  }

  // A search box over a long select (the other handlers on dispatch): options and groups that do not hold the
  // typed words are hidden; a hidden choice is dropped so the form never posts what is not shown.
  function filterSelects() {
    document.querySelectorAll("input[data-filters]").forEach(function (input) {
      var select = document.getElementById(input.dataset.filters);
      var count = document.getElementById(input.dataset.filters + "-count");
      if (!select) return;
      input.addEventListener("input", function () {
        var words = input.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
        var shown = 0;
        select.querySelectorAll("optgroup").forEach(function (group) {
          var any = false;
          group.querySelectorAll("option").forEach(function (o) {
            var text = (o.textContent + " " + group.label).toLowerCase();
            var hit = words.every(function (w) { return text.indexOf(w) >= 0; });
            o.hidden = !hit;
            if (hit) { any = true; shown += 1; }
          });
          group.hidden = !any;
        });
        var picked = select.options[select.selectedIndex];
        if (picked && picked.hidden) select.value = "";
        if (count) count.textContent = String(shown);
      });
    });
  }
  filterSelects();

  window.cases = { reportMap: reportMap, listMap: listMap, detailMap: detailMap };
})();
