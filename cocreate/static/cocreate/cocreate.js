/* Co-creation pages: placing a need or a finding on the map (tap, or the phone's position), and the needs map. */
(function () {
  "use strict";

  var readJSON = window.gridwork.readJSON;

  function pointMap(map) {
    var t = readJSON("cocreate-i18n") || {};
    var lon = document.getElementById("id_lon");
    var lat = document.getElementById("id_lat");
    var located = document.getElementById("located");
    var marker = null;

    function place(latlng, zoom) {
      if (marker) marker.setLatLng(latlng);
      else marker = L.marker(latlng).addTo(map);
      lon.value = latlng.lng.toFixed(7);
      lat.value = latlng.lat.toFixed(7);
      located.textContent = (t.located || "") + " (" + latlng.lng.toFixed(5) + ", " + latlng.lat.toFixed(5) + ")";
      located.dataset.set = "1";
      if (zoom) map.setView(latlng, 17);
    }
    if (lon.value && lat.value) place(L.latLng(parseFloat(lat.value), parseFloat(lon.value)), true);
    map.on("click", function (e) { place(e.latlng, false); });
    var button = document.getElementById("locate-me");
    if (button && navigator.geolocation) {
      button.addEventListener("click", function () {
        navigator.geolocation.getCurrentPosition(function (pos) {
          place(L.latLng(pos.coords.latitude, pos.coords.longitude), true);
        });
      });
    }
    map.getContainer().dataset.ready = "1";
  }

  function needsMap(map) {
    var rows = readJSON("needs-data") || [];
    var group = L.featureGroup();
    rows.forEach(function (n) {
      var m = L.circleMarker([n.lat, n.lon], { radius: 6 + Math.min(n.supporters, 20) / 2 });
      var text = document.createElement("span");
      text.textContent = [n.title, n.status, n.supporters].filter(Boolean).join(" · ");
      m.bindPopup(text);
      group.addLayer(m);
    });
    group.addTo(map);
    if (rows.length) map.fitBounds(group.getBounds(), { maxZoom: 17, animate: false });
    map.getContainer().dataset.ready = "1";
  }

  /* The contribution form shows the fields of the chosen kind (money, labour, materials, land) only. */
  function contributionForm() {
    var kind = document.getElementById("id_kind");
    if (!kind) return;
    function show() {
      document.querySelectorAll(".kind-fields").forEach(function (f) {
        f.hidden = Boolean(kind.value) && f.dataset.kind !== kind.value;
      });
      window.dispatchEvent(new Event("resize"));  // a map shown now measures its box again
    }
    kind.addEventListener("change", show);
    show();
  }
  contributionForm();

  window.cocreate = { pointMap: pointMap, needsMap: needsMap };
})();
