// Draws a map page's data over Xingfu's own basemap (MapLibre GL, vendored; tiles and style
// from /tiles). Without JavaScript, WebGL or a basemap the page keeps its SVG map: this only
// adds to it.
//
// A map is a <figure class="map" data-map> holding
//   <script type="application/json" class="map-data">  a GeoJSON FeatureCollection whose
//      features say how they are drawn: properties.color, .label, .radius, .hollow
//   the SVG drawn by the server (the fallback, and what is printed).
// A figure with data-draw="ID" also lets the person draw an area; the GeoJSON goes into the
// form field with that id.
(function () {
  "use strict";
  var english = document.documentElement.lang === "en";
  var say = function (zh, en) { return english ? en : zh; };

  function webgl() {
    try {
      var c = document.createElement("canvas");
      return !!(c.getContext("webgl2") || c.getContext("webgl"));
    } catch (e) {
      return false;
    }
  }

  function bounds(data) {
    var b = null;
    function add(p) {
      if (!b) b = [p[0], p[1], p[0], p[1]];
      b[0] = Math.min(b[0], p[0]); b[1] = Math.min(b[1], p[1]);
      b[2] = Math.max(b[2], p[0]); b[3] = Math.max(b[3], p[1]);
    }
    function walk(c) {
      if (typeof c[0] === "number") add(c); else c.forEach(walk);
    }
    data.features.forEach(function (f) { if (f.geometry) walk(f.geometry.coordinates); });
    return b;
  }

  function note(figure, text) {
    var p = figure.querySelector(".map-note");
    if (!p) {
      p = document.createElement("p");
      p.className = "map-note hint";
      figure.appendChild(p);
    }
    p.textContent = text;
  }

  function addData(map, figure, data) {
    map.addSource("page", { type: "geojson", data: data });
    var isArea = ["in", ["geometry-type"], ["literal", ["Polygon", "MultiPolygon"]]];
    var isPoint = ["in", ["geometry-type"], ["literal", ["Point", "MultiPoint"]]];
    var color = ["coalesce", ["get", "color"], "#1f5fa8"];
    map.addLayer({ id: "page-area", type: "fill", source: "page", filter: isArea,
      paint: { "fill-color": color, "fill-opacity": ["coalesce", ["get", "opacity"], 0.15] } });
    map.addLayer({ id: "page-outline", type: "line", source: "page", filter: isArea,
      paint: { "line-color": ["coalesce", ["get", "outline"], color], "line-width": 2 } });
    map.addLayer({ id: "page-line", type: "line", source: "page",
      filter: ["in", ["geometry-type"], ["literal", ["LineString", "MultiLineString"]]],
      paint: { "line-color": color, "line-width": 3 } });
    // A hollow point (closed events, gaps …) is a ring; the rest are filled dots.
    map.addLayer({ id: "page-point", type: "circle", source: "page", filter: isPoint,
      paint: {
        "circle-radius": ["coalesce", ["get", "radius"], 5],
        "circle-color": color,
        "circle-opacity": ["case", ["to-boolean", ["get", "hollow"]], 0, 0.9],
        "circle-stroke-color": ["case", ["to-boolean", ["get", "hollow"]], color, "#ffffff"],
        "circle-stroke-width": ["case", ["to-boolean", ["get", "hollow"]], 2, 1]
      } });
    // Labels never overlap: MapLibre leaves out a label that would cover another.
    map.addLayer({ id: "page-label", type: "symbol", source: "page",
      filter: ["has", "label"],
      layout: {
        "text-field": ["get", "label"], "text-font": ["Noto Sans CJK SC Regular", "sans-serif"],
        "text-size": 13, "text-offset": [0, 1.1], "text-anchor": "top",
        "text-allow-overlap": false, "text-optional": true
      },
      paint: { "text-color": "#1b1b1b", "text-halo-color": "#ffffff", "text-halo-width": 2 } });
    // A point or area with an address (an event, a unit to drill into …) opens it.
    ["page-point", "page-area"].forEach(function (layer) {
      map.on("click", layer, function (e) {
        var href = e.features[0] && e.features[0].properties.href;
        if (href && !figure.drawing) window.location.href = href;
      });
      map.on("mouseenter", layer, function (e) {
        if (e.features[0] && e.features[0].properties.href) map.getCanvas().style.cursor = "pointer";
      });
      map.on("mouseleave", layer, function () { map.getCanvas().style.cursor = ""; });
    });
  }

  function tiandituSwitch(map, figure, style) {
    if (!style.sources["tianditu-vec"]) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary map-switch";
    var on = false;
    var label = function () {
      button.textContent = on ? say("底图：天地图", "Basemap: Tianditu")
        : say("底图：OpenStreetMap", "Basemap: OpenStreetMap");
    };
    label();
    button.addEventListener("click", function () {
      on = !on;
      ["tianditu-vec", "tianditu-cva"].forEach(function (id) {
        map.setLayoutProperty(id, "visibility", on ? "visible" : "none");
      });
      label();
    });
    figure.insertBefore(button, figure.firstChild);
  }

  function labelled(id, text) {
    var wrap = document.createElement("div");
    var label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = text;
    var input = document.createElement("input");
    input.id = id;
    input.type = "text";
    input.maxLength = 100;
    wrap.appendChild(label);
    wrap.appendChild(input);
    return { wrap: wrap, input: input };
  }

  function button(text) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "secondary";
    b.textContent = text;
    return b;
  }

  // Drawing a grid: tap its corners, name it, finish; the boundary goes into the import form's
  // GeoJSON box (WGS-84, which the form's datum is set to) and the person submits it there.
  function drawing(map, figure, field) {
    var points = [];
    var drawingNow = false;
    map.addSource("drawn", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
    map.addLayer({ id: "drawn-fill", type: "fill", source: "drawn",
      filter: ["==", ["geometry-type"], "Polygon"],
      paint: { "fill-color": "#c0392b", "fill-opacity": 0.2 } });
    map.addLayer({ id: "drawn-line", type: "line", source: "drawn",
      filter: ["!=", ["geometry-type"], "Point"],
      paint: { "line-color": "#c0392b", "line-width": 2 } });
    map.addLayer({ id: "drawn-point", type: "circle", source: "drawn",
      filter: ["==", ["geometry-type"], "Point"],
      paint: { "circle-radius": 5, "circle-color": "#c0392b" } });
    var begin = button(say("开始画网格", "Draw a grid"));
    var gridId = labelled("draw-grid-id", say("网格编号（如 G1）", "Grid number (e.g. G1)"));
    var gridName = labelled("draw-grid-name", say("网格名称", "Grid name"));
    var finish = button(say("完成网格边界", "Finish the boundary"));
    var undo = button(say("撤销上一点", "Undo last point"));
    var status = document.createElement("p");
    status.className = "hint map-draw-status";
    status.setAttribute("aria-live", "polite");
    var panel = document.createElement("div");
    panel.className = "map-draw";
    panel.hidden = true;
    [gridId.wrap, gridName.wrap, finish, undo].forEach(function (n) { panel.appendChild(n); });
    figure.appendChild(begin);
    figure.appendChild(panel);
    figure.appendChild(status);
    function ring() { return points.concat([points[0]]); }
    function show(closed) {
      var features = points.map(function (p) {
        return { type: "Feature", geometry: { type: "Point", coordinates: p }, properties: {} };
      });
      if (points.length >= 2) {
        features.push({ type: "Feature", properties: {},
          geometry: closed ? { type: "Polygon", coordinates: [ring()] }
            : { type: "LineString", coordinates: points } });
      }
      map.getSource("drawn").setData({ type: "FeatureCollection", features: features });
      status.textContent = say("在地图上依次点出网格的边界点（至少 3 个），已点 " + points.length + " 个。",
        "Tap the grid's corners on the map (at least 3): " + points.length + " so far.");
    }
    begin.addEventListener("click", function () {
      drawingNow = true;
      figure.drawing = true;
      points = [];
      begin.hidden = true;
      panel.hidden = false;
      map.getCanvas().style.cursor = "crosshair";
      show(false);
    });
    map.on("click", function (e) {
      if (!drawingNow) return;
      points.push([+e.lngLat.lng.toFixed(7), +e.lngLat.lat.toFixed(7)]);
      show(false);
    });
    undo.addEventListener("click", function () { points.pop(); show(false); });
    finish.addEventListener("click", function () {
      var id = gridId.input.value.trim();
      var name = gridName.input.value.trim();
      if (points.length < 3) {
        status.textContent = say("至少要点 3 个边界点才能围成网格。", "A grid needs at least 3 corners.");
        return;
      }
      if (!id || !name) {
        status.textContent = say("请填写网格编号和网格名称。", "Give the grid a number and a name.");
        (id ? gridName.input : gridId.input).focus();
        return;
      }
      field.value = JSON.stringify({ type: "FeatureCollection", features: [{
        type: "Feature", id: id, properties: { name: name },
        geometry: { type: "Polygon", coordinates: [ring()] } }] });
      var datum = document.getElementById(figure.getAttribute("data-datum") || "");
      if (datum) datum.value = "wgs84";
      drawingNow = false;
      figure.drawing = false;
      map.getCanvas().style.cursor = "";
      show(true);
      panel.hidden = true;
      begin.hidden = false;
      begin.textContent = say("重新画", "Draw again");
      status.textContent = say("边界已填入下方“粘贴 GeoJSON”框（坐标系 WGS-84），点“导入”即保存。",
        "The boundary is in the GeoJSON box below (WGS-84): press Import to save it.");
    });
  }

  function start(figure, style) {
    var dataNode = figure.querySelector("script.map-data");
    var data = dataNode ? JSON.parse(dataNode.textContent) : { type: "FeatureCollection", features: [] };
    var canvas = document.createElement("div");
    canvas.className = "map-canvas";
    canvas.setAttribute("role", "region");
    canvas.setAttribute("aria-label", figure.getAttribute("data-label") || say("地图", "Map"));
    figure.insertBefore(canvas, figure.firstChild);
    var map = new maplibregl.Map({
      container: canvas, style: style, attributionControl: { compact: true },
      cooperativeGestures: true, dragRotate: false, pitchWithRotate: false
    });
    map.addControl(new maplibregl.NavigationControl({ showCompass: false }));
    figure.classList.add("map-live");
    figure.xingfuMap = map;
    map.on("load", function () {
      addData(map, figure, data);
      var b = bounds(data);
      if (b) {
        map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 30, maxZoom: 17, duration: 0 });
      }
      tiandituSwitch(map, figure, style);
      var drawInto = figure.getAttribute("data-draw");
      if (drawInto && document.getElementById(drawInto)) {
        drawing(map, figure, document.getElementById(drawInto));
      }
      figure.setAttribute("data-map-ready", "1");
    });
  }

  function init() {
    var figures = document.querySelectorAll("figure[data-map]");
    if (!figures.length) return;
    if (!window.maplibregl || !webgl()) {
      figures.forEach(function (f) {
        note(f, say("此设备无法显示交互地图，本页的简图和表格列出相同内容。", "This device cannot show the interactive map; the page's sketch and tables give the same."));
      });
      return;
    }
    fetch("/tiles/style.json", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (style) {
        figures.forEach(function (f) {
          if (style) start(f, style);
          else note(f, say("服务器没有配置底图（OpenStreetMap 数据），本页的简图和表格列出相同内容。",
            "The server has no basemap (OpenStreetMap extract); the page's sketch and tables give the same."));
        });
      })
      .catch(function () {
        figures.forEach(function (f) {
          note(f, say("底图暂时打不开，本页的简图和表格列出相同内容。", "The basemap cannot be reached; the page's sketch and tables give the same."));
        });
      });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
