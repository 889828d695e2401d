/* Starts django-leaflet's maps and map form fields without inline scripts (the Content-Security-Policy allows
   scripts from this site only). templates/leaflet/_leaflet_map.html and widget.html load this file with data
   attributes on its script element: a map (data-map) or a geometry field (data-field). The file runs once per
   script element, so each map or field is set up by its own element. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var data = script.dataset;

  /* "window.gridwork.gridMap" or "geom_map_callback": the function or object at that path on window, or null. */
  function resolve(path) {
    if (!path) return null;
    var parts = path.split(".");
    if (parts[0] === "window") parts.shift();
    var value = window;
    for (var i = 0; i < parts.length; i++) {
      if (value === null || value === undefined) return null;
      value = value[parts[i]];
    }
    return value === undefined ? null : value;
  }

  /* What django-leaflet's inline script in leaflet/_leaflet_map.html does. */
  function startMap() {
    var name = data.map;
    var globals = data.globals === "true";
    var options = JSON.parse(document.getElementById(data.options).textContent);
    if (typeof options === "string") options = JSON.parse(options);  // django-leaflet hands the options as JSON text
    function loadmap() {
      var map = L.Map.djangoMap(name, {
        djoptions: options, initfunc: loadmap, globals: globals, callback: resolve(data.callback),
      });
      if (globals) window["leafletmap" + name] = map;
    }
    var events = JSON.parse(data.loadevents || "[]");
    if (events.length === 0) loadmap();
    else events.forEach(function (ev) { window.addEventListener(ev, loadmap, false); });
    if (globals) window["loadmap" + name] = loadmap;
  }

  /* What the inline script of django-leaflet's leaflet/widget.html does: the field's settings object and the
     map callback that attaches the geometry field to the map. */
  function startField() {
    var module = {
      fieldid: data.field,
      modifiable: data.modifiable === "true",
      geom_type: data.geomType,
      srid: Number(data.srid),
    };
    window[data.module] = module;
    function callback(map, options) {
      module.field_store_class = resolve(data.fieldStoreClass);
      module.precision = options.djoptions.precision;
      var GeometryField = resolve(data.geometryFieldClass);
      new GeometryField(module).addTo(map);
    }
    window[data.callbackName] = callback;
    if (data.targetMap) {
      window.addEventListener("map:init", function (e) {
        var target = e.detail.map;
        target.on("map:loadfield", function (me) {
          if (me.fieldid === "id_" + data.targetMap) {
            setTimeout(function () { callback(target, e.detail.options); }, 0);
          }
        });
      }, false);
    }
  }

  if (data.field) startField();
  else if (data.map) startMap();
})();
