/* RuralEnv Planner web map: draws the data embedded in #re-data with Leaflet on one canvas.
 *
 * Data layout (written by core/webmap.py): coordinates are integer offsets in 1/scale degree from
 * `origin`; point layers hold `x`, `y` columns; polygon layers hold `paths`, each path a flat
 * [x0, y0, dx1, dy1, ...] list; roads travel in level-of-detail chunks. Attributes are compact columns
 * (core/webmap_pack.py), decoded when first needed into `fields[k].values`. Every string from the data is
 * put into the page with textContent, never parsed as HTML.
 */
(function () {
  'use strict';

  var t0 = performance.now();
  var DATA = JSON.parse(document.getElementById('re-data').textContent);
  var UI = DATA.ui;
  var SCALE = DATA.scale;
  var OX = DATA.origin[0];
  var OY = DATA.origin[1];
  var LABEL_MIN_ZOOM = 9;
  var SEARCH_MAX = 50;

  var api = {ready: false, counts: {}, timings: {parse_ms: performance.now() - t0}, layers: {}};
  window.ruralenvMap = api;

  // ------------------------------------------------------------- compact columns (core/webmap_pack.py)
  var ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  var SIXBITS = new Int8Array(128);
  for (var a = 0; a < 64; a++) { SIXBITS[ALPHABET.charCodeAt(a)] = a; }

  // The integers of a stream: exp-Golomb codes of order k (zeros, then w in as many bits plus k plus one;
  // the value is w - 2^k), six bits to a character, read a character's worth of bits at a time.
  function unpack(stream) {
    var s = stream.b, k = stream.k, n = stream.n, base = Math.pow(2, k);
    var out = new Float64Array(n);
    var pos = 0, cur = 0, left = 0;  // `left` unread bits at the bottom of `cur`
    for (var i = 0; i < n; i++) {
      var zeros = 0;
      for (;;) {
        if (!left) { cur = SIXBITS[s.charCodeAt(pos++)]; left = 6; }
        var rest = cur & ((1 << left) - 1);
        if (rest) {
          var lead = left - (32 - Math.clz32(rest));
          zeros += lead;
          left -= lead;
          break;
        }
        zeros += left;
        left = 0;
      }
      var need = zeros + k + 1, w = 0;
      while (need) {
        if (!left) { cur = SIXBITS[s.charCodeAt(pos++)]; left = 6; }
        var take = need < left ? need : left;
        w = w * (1 << take) + ((cur >> (left - take)) & ((1 << take) - 1));
        left -= take;
        need -= take;
      }
      out[i] = w - base;
    }
    return out;
  }

  function unzigzag(z) { return z % 2 ? -(z + 1) / 2 : z / 2; }

  // `value` / 10^`decimals`, written with exactly that many decimals (as the text had it).
  function withPoint(value, decimals) {
    var digits = String(value);
    if (!decimals) { return digits; }
    while (digits.length <= decimals) { digits = '0' + digits; }
    return digits.slice(0, -decimals) + '.' + digits.slice(-decimals);
  }

  function decodeTexts(col) {
    var shared = unpack(col.pre), size = unpack(col.len), s = col.s;
    var out = new Array(size.length), prev = '', pos = 0;
    for (var i = 0; i < size.length; i++) {
      if (!size[i]) { out[i] = null; continue; }
      prev = prev.slice(0, shared[i]) + s.slice(pos, pos + size[i] - 1);
      pos += size[i] - 1;
      out[i] = prev;
    }
    return out;
  }

  function decodeTemplated(col) {
    var pattern = unpack(col.v);
    var pieces = col.tpl.map(function (text) { return text.split('\u0000'); });
    var slots = col.slots.map(function (list) {
      return list.map(function (slot) { return {d: slot.d, lo: slot.lo, v: unpack(slot.v), at: 0}; });
    });
    var out = new Array(pattern.length);
    for (var i = 0; i < pattern.length; i++) {
      if (!pattern[i]) { out[i] = null; continue; }
      var list = slots[pattern[i] - 1], parts = pieces[pattern[i] - 1], text = parts[0];
      for (var j = 0; j < list.length; j++) {
        var slot = list[j];
        text += withPoint(slot.v[slot.at++] + slot.lo, slot.d) + parts[j + 1];
      }
      out[i] = text;
    }
    return out;
  }

  // The values of a column: numbers, strings or null.
  function decode(col) {
    if (col.enc === 'text') { return decodeTexts(col); }
    if (col.enc === 'tpl') { return decodeTemplated(col); }
    var raw = unpack(col.v), out = new Array(raw.length), at = 0;
    for (var i = 0; i < raw.length; i++) {
      var c = raw[i];
      if (!c) { out[i] = null; continue; }
      if (col.enc === 'num') { out[i] = (c - 1 + col.lo) / col.div; }
      else if (col.enc === 'dict') { out[i] = col.dict[c - 1]; }
      else { at += unzigzag(c - 1); out[i] = at; }  // delta
    }
    return out;
  }

  var BY_ID = {};
  DATA.layers.forEach(function (spec) { BY_ID[spec.id] = spec; });

  // A layer's `name` attribute decoded (once); a `same` column is the same attribute of another layer.
  function attr(spec, name) {
    var v = spec[name];
    if (v && v.enc === 'same') { spec[name] = attr(BY_ID[v.layer], name); } else if (v && v.enc) { spec[name] = decode(v); }
    return spec[name];
  }

  // The values of a popup field, decoded when first asked for.
  function values(spec, field) {
    if (!field.values) {
      if (field.enc === 'same') {
        var source = BY_ID[field.layer];
        field.values = values(source, source.fields.filter(function (f) { return f.key === field.key; })[0]);
      } else {
        field.values = decode(field);
      }
    }
    return field.values;
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }

  function latLng(x, y) {
    return new L.LatLng((y + OY) / SCALE, (x + OX) / SCALE);
  }

  // Call fn(lng, lat) for each vertex of a delta-encoded path.
  function eachVertex(flat, fn) {
    var x = 0;
    var y = 0;
    for (var i = 0; i < flat.length; i += 2) {
      x += flat[i];
      y += flat[i + 1];
      fn((x + OX) / SCALE, (y + OY) / SCALE);
    }
  }

  function decodePath(flat) {
    var out = [];
    eachVertex(flat, function (lng, lat) { out.push(new L.LatLng(lat, lng)); });
    return out;
  }

  // ------------------------------------------------------------------ point symbols drawn on the canvas
  var SHAPES = {
    circle: function (ctx, x, y, r) { ctx.moveTo(x + r, y); ctx.arc(x, y, r, 0, Math.PI * 2, false); },
    square: function (ctx, x, y, r) { ctx.rect(x - r, y - r, 2 * r, 2 * r); },
    diamond: function (ctx, x, y, r) {
      ctx.moveTo(x, y - r); ctx.lineTo(x + r, y); ctx.lineTo(x, y + r); ctx.lineTo(x - r, y); ctx.closePath();
    },
    triangle: function (ctx, x, y, r) {
      ctx.moveTo(x, y - r); ctx.lineTo(x + r * 0.95, y + r * 0.7); ctx.lineTo(x - r * 0.95, y + r * 0.7);
      ctx.closePath();
    },
    star: function (ctx, x, y, r) {
      for (var i = 0; i < 10; i++) {
        var a = Math.PI / 2 + i * Math.PI / 5;
        var rr = i % 2 ? r * 0.45 : r;
        if (i) { ctx.lineTo(x + rr * Math.cos(a), y - rr * Math.sin(a)); } else { ctx.moveTo(x, y - rr); }
      }
      ctx.closePath();
    }
  };

  // Web Mercator in map units of 1 (multiplied by the CRS scale of a zoom it gives Leaflet's pixels).
  function mercX(lng) { return lng / 360 + 0.5; }
  function mercY(lat) {
    var s = Math.sin(Math.max(Math.min(lat, 85.0511287798), -85.0511287798) * Math.PI / 180);
    return 0.5 - 0.25 * Math.log((1 + s) / (1 - s)) / Math.PI;
  }

  /* A batch draws every feature of one legend class as ONE canvas path with one fill and one stroke.
   * It plugs into Leaflet's canvas renderer as a path layer (private API of Leaflet 1.9.4: _project,
   * _update, _updatePath, _containsPoint, _pxBounds, renderer._ctx/_bounds/_fillStroke), so panning,
   * zoom animation, event dispatch and draw order stay Leaflet's. */
  var Batch = L.Path.extend({
    _project: function () {
      var map = this._map;
      this._scale = map.options.crs.scale(map.getZoom());
      this._origin = map.getPixelOrigin();
      var e = this._extent;
      this._pxBounds = L.bounds(this._px(e[0], e[1]), this._px(e[2], e[3]));
    },
    _px: function (mx, my) { return L.point(mx * this._scale - this._origin.x, my * this._scale - this._origin.y); },
    _update: function () {},
    _view: function (pad) {
      var b = this._renderer._bounds;
      return [b.min.x - pad, b.min.y - pad, b.max.x + pad, b.max.y + pad];
    }
  });

  function extentOf(mx, my) {
    var e = [Infinity, Infinity, -Infinity, -Infinity];
    for (var k = 0; k < mx.length; k++) {
      if (mx[k] < e[0]) { e[0] = mx[k]; }
      if (my[k] < e[1]) { e[1] = my[k]; }
      if (mx[k] > e[2]) { e[2] = mx[k]; }
      if (my[k] > e[3]) { e[3] = my[k]; }
    }
    return e;
  }

  var GRID = 16;
  var DOT = 4;
  var DENSE_PARTS = 8000;

  /* Points of one class: `index` holds the data rows, `mx`/`my` their Web Mercator position. */
  var PointBatch = Batch.extend({
    initialize: function (index, mx, my, options, labels) {
      L.setOptions(this, options);
      this.index = index;
      this._mx = mx;
      this._my = my;
      this._labels = labels;
      this._extent = extentOf(mx, my);
      this._sx = new Float64Array(index.length);
      this._sy = new Float64Array(index.length);
      this._sk = new Int32Array(index.length);
      this._drawn = 0;
    },
    // Each point is a copy of one pre-painted symbol: far faster than one path of thousands of shapes.
    _updatePath: function () {
      var r = this._renderer;
      if (!r._drawing) { return; }
      var ctx = r._ctx;
      var rad = this.options.radius;
      var size = 2 * Math.ceil(rad + this.options.weight + 1);
      this._sprite = this._sprite || symbolCanvas(this.options, 'point', size);
      var v = this._view(size);
      var s = this._scale, ox = this._origin.x, oy = this._origin.y;
      var m = 0;
      // Zoomed far out, many points are one path of small squares (tens of thousands of sprite copies
      // cost hundreds of milliseconds per redraw in a software canvas).
      var dots = this._map.getZoom() < (this.options.dotBelow || 0);
      if (dots) { ctx.beginPath(); }
      for (var k = 0; k < this.index.length; k++) {
        var x = this._mx[k] * s - ox;
        var y = this._my[k] * s - oy;
        if (x < v[0] || y < v[1] || x > v[2] || y > v[3]) { continue; }
        if (dots) {
          ctx.rect(Math.round(x) - DOT / 2, Math.round(y) - DOT / 2, DOT, DOT);
        } else {
          // Whole-pixel positions make each copy a plain blit (three times faster than a resampled one).
          ctx.drawImage(this._sprite, Math.round(x) - size / 2, Math.round(y) - size / 2, size, size);
        }
        this._sx[m] = x;
        this._sy[m] = y;
        this._sk[m] = k;
        m++;
      }
      this._drawn = m;
      if (dots) { this._fillDots(ctx); }
      if (this._labels && this._map.getZoom() >= LABEL_MIN_ZOOM) { this._drawLabels(ctx, rad); }
      this._index(v);
    },
    // A class whose symbol is hollow (white fill) stays hollow as a dot.
    _fillDots: function (ctx) {
      var o = this.options;
      if (o.fillColor === '#ffffff') {
        ctx.lineWidth = 1;
        ctx.strokeStyle = o.color;
        ctx.stroke();
      } else {
        ctx.globalAlpha = o.fillOpacity;
        ctx.fillStyle = o.fillColor;
        ctx.fill();
        ctx.globalAlpha = 1;
      }
    },
    // Names beside the symbols, skipping any that would overlap a name already written in this redraw.
    _drawLabels: function (ctx, rad) {
      ctx.globalAlpha = 1;
      ctx.font = '600 12px sans-serif';
      ctx.textBaseline = 'middle';
      ctx.lineWidth = 3;
      ctx.strokeStyle = '#ffffff';
      ctx.fillStyle = '#111111';
      var taken = this._renderer.labelBoxes;
      for (var j = 0; j < this._drawn; j++) {
        var text = this._labels[this.index[this._sk[j]]];
        if (!text) { continue; }
        var box = [this._sx[j] + rad + 4, this._sy[j] - 8, 0, 16];
        box[2] = ctx.measureText(text).width;
        if (taken.some(function (t) {
          return box[0] < t[0] + t[2] && t[0] < box[0] + box[2] && box[1] < t[1] + t[3] && t[1] < box[1] + box[3];
        })) { continue; }
        taken.push(box);
        ctx.strokeText(text, box[0], this._sy[j]);
        ctx.fillText(text, box[0], this._sy[j]);
      }
    },
    // A grid of the drawn points in screen cells, so hit tests look at a few points only.
    _index: function (v) {
      this._gx = v[0];
      this._gy = v[1];
      this._cols = Math.ceil((v[2] - v[0]) / GRID) + 1;
      var rows = Math.ceil((v[3] - v[1]) / GRID) + 1;
      this._head = new Int32Array(this._cols * rows).fill(-1);
      this._next = new Int32Array(this._drawn);
      for (var j = 0; j < this._drawn; j++) {
        var c = this._cell(this._sx[j], this._sy[j]);
        this._next[j] = this._head[c];
        this._head[c] = j;
      }
    },
    _cell: function (x, y) {
      return Math.floor((y - this._gy) / GRID) * this._cols + Math.floor((x - this._gx) / GRID);
    },
    _containsPoint: function (p) {
      if (!this._head) { return false; }
      var tol = this.options.radius + this._clickTolerance();
      var best = -1;
      var bestD = tol * tol;
      var rows = this._head.length / this._cols;
      var c0 = Math.floor((p.x - tol - this._gx) / GRID), c1 = Math.floor((p.x + tol - this._gx) / GRID);
      var r0 = Math.floor((p.y - tol - this._gy) / GRID), r1 = Math.floor((p.y + tol - this._gy) / GRID);
      for (var row = Math.max(r0, 0); row <= Math.min(r1, rows - 1); row++) {
        for (var col = Math.max(c0, 0); col <= Math.min(c1, this._cols - 1); col++) {
          for (var j = this._head[row * this._cols + col]; j >= 0; j = this._next[j]) {
            var dx = this._sx[j] - p.x, dy = this._sy[j] - p.y, d = dx * dx + dy * dy;
            if (d <= bestD) { bestD = d; best = j; }
          }
        }
      }
      if (best < 0) { return false; }
      this.hit = this.index[this._sk[best]];
      return true;
    }
  });

  /* Lines of one class: vertices of every part in `mx`/`my`, part k spans start[k]..start[k+1]. */
  var LineBatch = Batch.extend({
    initialize: function (mx, my, start, options) {
      L.setOptions(this, options);
      this._mx = mx;
      this._my = my;
      this._start = start;
      this._extent = extentOf(mx, my);
      this._box = new Float64Array(4 * (start.length - 1));
      for (var k = 0; k + 1 < start.length; k++) {
        var e = extentOf(mx.subarray(start[k], start[k + 1]), my.subarray(start[k], start[k + 1]));
        this._box.set(e, 4 * k);
      }
    },
    _inView: function (k, v) {
      var box = this._box, s = this._scale, ox = this._origin.x, oy = this._origin.y;
      return !(box[4 * k] * s - ox > v[2] || box[4 * k + 2] * s - ox < v[0] ||
               box[4 * k + 1] * s - oy > v[3] || box[4 * k + 3] * s - oy < v[1]);
    },
    _updatePath: function () {
      var r = this._renderer;
      if (!r._drawing) { return; }
      var ctx = r._ctx;
      var o = this.options;
      var v = this._view(o.weight);
      var s = this._scale, ox = this._origin.x, oy = this._origin.y;
      var mx = this._mx, my = this._my, start = this._start;
      var visible = [];
      for (var k = 0; k + 1 < start.length; k++) {
        if (this._inView(k, v)) { visible.push(k); }
      }
      ctx.beginPath();
      visible.forEach(function (part) {
        var lx = mx[start[part]] * s - ox, ly = my[start[part]] * s - oy;
        ctx.moveTo(lx, ly);
        var last = start[part + 1] - 1;
        for (var i = start[part] + 1; i <= last; i++) {
          var x = mx[i] * s - ox, y = my[i] * s - oy;
          // Vertices closer than a pixel to the last one drawn add nothing visible.
          if (i < last && Math.abs(x - lx) < 1 && Math.abs(y - ly) < 1) { continue; }
          ctx.lineTo(x, y);
          lx = x;
          ly = y;
        }
      });
      // Wide strokes with round joins over a whole region of roads cost seconds in a software canvas:
      // when many parts are in view, draw hairlines (indistinguishable at that scale).
      var dense = this._thin || visible.length > DENSE_PARTS;
      ctx.setLineDash(o.dashArray && !dense ? o.dashArray.split(' ').map(Number) : []);
      ctx.globalAlpha = o.opacity;
      ctx.strokeStyle = o.color;
      ctx.lineWidth = dense ? Math.min(o.weight, 1) : o.weight;
      ctx.lineCap = dense || o.dashArray ? 'butt' : 'round';  // round caps would close a dash's gaps
      ctx.lineJoin = dense ? 'miter' : 'round';
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.globalAlpha = 1;
    },
    // With `owners` (the data row of each part: an overlay's lines), a click within the tolerance of a drawn
    // segment hits the nearest line's row; parts whose box is out of reach are skipped.
    _containsPoint: function (p) {
      var owners = this._owners;
      if (!owners) { return false; }
      var s = this._scale, ox = this._origin.x, oy = this._origin.y, box = this._box, start = this._start;
      var tol = this._clickTolerance(), best = -1, bestD = tol;
      for (var k = 0; k + 1 < start.length; k++) {
        if (box[4 * k] * s - ox > p.x + tol || box[4 * k + 2] * s - ox < p.x - tol ||
            box[4 * k + 1] * s - oy > p.y + tol || box[4 * k + 3] * s - oy < p.y - tol) { continue; }
        for (var i = start[k]; i + 1 < start[k + 1]; i++) {
          var d = L.LineUtil.pointToSegmentDistance(p, L.point(this._mx[i] * s - ox, this._my[i] * s - oy),
            L.point(this._mx[i + 1] * s - ox, this._my[i + 1] * s - oy));
          if (d <= bestD) { bestD = d; best = owners[k]; }
        }
      }
      if (best < 0) { return false; }
      this.hit = best;
      return true;
    }
  });

  /* Roads in levels of detail (core/webmap_lod.py): below `lod.detail_zoom` the overview chunks, from it on
   * the detail chunks (tiles) in view. A chunk is decoded into a LineBatch the first time it is drawn: the
   * vertex count of each line, then each vertex as the zig-zag difference from the one before, in `unit`s. */
  function chunkBatch(chunk, options) {
    var counts = unpack(chunk.counts), d = unpack(chunk.deltas), unit = chunk.unit;
    var lines = counts.length, vertices = d.length / 2;
    var mx = new Float64Array(vertices), my = new Float64Array(vertices);
    var start = new Int32Array(lines + 1);
    var v = 0, x = 0, y = 0;
    for (var p = 0; p < lines; p++) { start[p] = v; v += counts[p]; }
    start[lines] = v;
    for (var i = 0; i < vertices; i++) {
      x += unzigzag(d[2 * i]);
      y += unzigzag(d[2 * i + 1]);
      mx[i] = mercX((x * unit + OX) / SCALE);
      my[i] = mercY((y * unit + OY) / SCALE);
    }
    return new LineBatch(mx, my, start, options);
  }

  function chunkExtent(chunk) {
    var b = chunk.bbox;
    chunk.ext = [mercX((b[0] + OX) / SCALE), mercY((b[3] + OY) / SCALE), mercX((b[2] + OX) / SCALE),
      mercY((b[1] + OY) / SCALE)];
    return chunk.ext;
  }

  var LodLines = Batch.extend({
    initialize: function (overview, tiles, lod, options, count) {
      L.setOptions(this, options);
      this._levels = [overview, tiles];
      this._lod = lod;
      this.index = {length: count};
      var e = [Infinity, Infinity, -Infinity, -Infinity];
      overview.concat(tiles).forEach(function (chunk) {
        var c = chunkExtent(chunk);
        e = [Math.min(e[0], c[0]), Math.min(e[1], c[1]), Math.max(e[2], c[2]), Math.max(e[3], c[3])];
      });
      this._extent = e;
    },
    _updatePath: function () {
      var r = this._renderer;
      if (!r._drawing) { return; }
      var detail = this._map.getZoom() >= this._lod.detail_zoom;
      var v = this._view(this.options.weight);
      var s = this._scale, ox = this._origin.x, oy = this._origin.y;
      var decoded = 0;
      this._levels[detail ? 1 : 0].forEach(function (chunk) {
        var e = chunk.ext;
        if (e[0] * s - ox > v[2] || e[2] * s - ox < v[0] || e[1] * s - oy > v[3] || e[3] * s - oy < v[1]) { return; }
        if (!chunk.batch) { chunk.batch = chunkBatch(chunk, this.options); decoded++; }
        var b = chunk.batch;
        b._map = this._map;
        b._renderer = r;
        b._scale = s;
        b._origin = this._origin;
        b._thin = !detail;
        b._updatePath();
      }, this);
      api.lod = {level: detail ? 'detail' : 'overview', decoded: (api.lod ? api.lod.decoded : 0) + decoded};
    },
    _containsPoint: function () { return false; }
  });

  // Outline the symbol of a class on `ctx` (centred on x, y), then fill and stroke it.
  function paint(ctx, style, geom, x, y, half) {
    ctx.beginPath();
    if (geom === 'line') {
      ctx.moveTo(x - half, y);
      ctx.lineTo(x + half, y);
    } else if (geom === 'polygon') {
      ctx.rect(x - half, y - half * 0.6, 2 * half, 1.2 * half);
    } else {
      SHAPES[style.shape](ctx, x, y, Math.min(style.radius, half));
    }
    if (geom !== 'line') {
      ctx.globalAlpha = style.fillOpacity;
      ctx.fillStyle = style.fillColor;
      ctx.fill();
    }
    ctx.globalAlpha = style.opacity === undefined ? 1 : style.opacity;
    ctx.strokeStyle = style.color;
    ctx.lineWidth = style.weight;
    if (geom === 'line' && style.dashArray) { ctx.setLineDash(style.dashArray.split(' ').map(Number)); }
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.globalAlpha = 1;
  }

  // A small canvas of `size` CSS pixels (sharp on high-density screens) with one symbol painted on it.
  function symbolCanvas(style, geom, size, cls) {
    var ratio = window.devicePixelRatio || 1;
    var c = el('canvas', cls);
    c.width = Math.ceil(size * ratio);
    c.height = Math.ceil(size * ratio);
    c.style.width = size + 'px';
    c.style.height = size + 'px';
    var ctx = c.getContext('2d');
    ctx.scale(ratio, ratio);
    paint(ctx, style, geom, size / 2, size / 2, size / 2 - 2);
    return c;
  }

  // ------------------------------------------------------------------------------------------ the map
  var map = L.map('re-map', {preferCanvas: true, zoomSnap: 0.5, minZoom: 3});
  // One canvas for every layer; names written in one redraw are kept apart across all layers.
  var Renderer = L.Canvas.extend({
    _draw: function () {
      this.labelBoxes = [];
      L.Canvas.prototype._draw.call(this);
    }
  });
  var renderer = new Renderer({padding: 0.3, tolerance: 3});
  map.attributionControl.setPrefix('Leaflet');
  map.fitBounds(DATA.bounds);
  api.map = map;

  document.getElementById('re-title').textContent = DATA.title;
  document.title = DATA.title;
  document.getElementById('re-datum').textContent = DATA.datum + ' · ' + UI.generated + ' ' + DATA.generated;

  // ------------------------------------------------------------------------------- popups and tooltips
  function formatValue(field, v) {
    if (v === null || v === undefined) { return '—'; }
    switch (field.kind) {
      case 'bool': return v ? UI.yes : UI.no;
      case 'metres': return v >= 1000 ? (v / 1000).toFixed(1) + UI.sp + UI.km : v + UI.sp + UI.m;
      case 'pct': return v.toFixed(1) + UI.sp + '%';
      case 'wan': return v.toFixed(2);
      case 'int': return v.toLocaleString();
      default: return String(v);
    }
  }

  function popupContent(spec, i) {
    var box = el('div', 're-popup');
    box.appendChild(el('div', 're-popup-title', (spec.name && spec.name[i]) || spec.title));
    box.appendChild(el('div', 're-popup-class', spec.classes[spec.cls[i]].label));
    var table = el('table');
    spec.fields.forEach(function (field) {
      var v = values(spec, field)[i];
      if ((field.kind === 'text' || field.kind === 'tpl') && v === null) { return; }
      var tr = el('tr');
      tr.appendChild(el('th', null, field.label));
      tr.appendChild(el('td', null, formatValue(field, v)));
      table.appendChild(tr);
    });
    box.appendChild(table);
    return box;
  }

  function openPopup(spec, i, at) {
    L.popup({maxWidth: 360, autoPanPadding: [30, 30]}).setLatLng(at).setContent(popupContent(spec, i)).openOn(map);
  }

  var hoverTip = L.tooltip({direction: 'top', offset: [0, -6]});

  // ------------------------------------------------------------------------------------------- layers
  function styleOptions(style, extra) {
    return L.extend({renderer: renderer, fill: true}, style, extra || {});
  }

  // Row numbers of each class, in data order.
  function rowsByClass(spec, count, usable) {
    var rows = spec.classes.map(function () { return []; });
    for (var i = 0; i < count; i++) {
      if (spec.cls[i] !== null && usable(i)) { rows[spec.cls[i]].push(i); }
    }
    return rows;
  }

  function buildPoints(spec) {
    spec.where = new Array(spec.x.length);
    var rows = rowsByClass(spec, spec.x.length, function (i) { return spec.x[i] !== null && spec.y[i] !== null; });
    return rows.map(function (index, c) {
      var mx = new Float64Array(index.length);
      var my = new Float64Array(index.length);
      index.forEach(function (i, k) {
        var at = latLng(spec.x[i], spec.y[i]);
        spec.where[i] = at;
        mx[k] = mercX(at.lng);
        my[k] = mercY(at.lat);
      });
      return new PointBatch(index, mx, my, styleOptions(spec.classes[c].style, {dotBelow: spec.classes[c].dot_below_zoom}),
        spec.labelled ? spec.name : null);
    });
  }

  function buildPolygons(spec) {
    spec.shapes = [];
    var rows = rowsByClass(spec, spec.paths.length, function (i) { return spec.paths[i].length > 0; });
    return rows.map(function (index, c) {
      var group = L.featureGroup();
      index.forEach(function (i) {
        var shape = L.polygon(spec.paths[i].map(function (poly) { return poly.map(decodePath); }),
          styleOptions(spec.classes[c].style));
        shape.hit = i;
        spec.shapes[i] = shape;
        group.addLayer(shape);
      });
      group.index = index;
      return group;
    });
  }

  // The packed lines of an overlay (core/maps/webmap.py _Coords.lines): each part's Web Mercator vertices and
  // the data row it belongs to.
  function decodeLines(packed) {
    var parts = unpack(packed.parts), counts = unpack(packed.counts), d = unpack(packed.d);
    var out = [], x = 0, y = 0, at = 0, part = 0;
    for (var i = 0; i < parts.length; i++) {
      for (var p = 0; p < parts[i]; p++) {
        var n = counts[part++], mx = new Float64Array(n), my = new Float64Array(n);
        for (var k = 0; k < n; k++) {
          x += unzigzag(d[at++]);
          y += unzigzag(d[at++]);
          mx[k] = mercX((x + OX) / SCALE);
          my[k] = mercY((y + OY) / SCALE);
        }
        out.push({row: i, mx: mx, my: my});
      }
    }
    return {parts: out, rows: parts.length};
  }

  // Lines of an overlay (a plan's roads and pipes): one batch per class, drawn like the roads, each line
  // clickable (its row's popup).
  function buildLines(spec) {
    var lines = decodeLines(spec.lines);
    var byClass = spec.classes.map(function () { return []; });
    lines.parts.forEach(function (part) {
      if (spec.cls[part.row] !== null) { byClass[spec.cls[part.row]].push(part); }
    });
    return byClass.map(function (parts, c) {
      var n = parts.reduce(function (sum, part) { return sum + part.mx.length; }, 0);
      var mx = new Float64Array(n), my = new Float64Array(n), start = new Int32Array(parts.length + 1);
      var owners = new Int32Array(parts.length), rows = [], v = 0;
      parts.forEach(function (part, k) {
        start[k] = v;
        mx.set(part.mx, v);
        my.set(part.my, v);
        v += part.mx.length;
        owners[k] = part.row;
        if (!k || parts[k - 1].row !== part.row) { rows.push(part.row); }
      });
      start[parts.length] = v;
      var batch = new LineBatch(mx, my, start, styleOptions(spec.classes[c].style, {fill: false}));
      batch._owners = owners;
      batch.index = rows;
      return batch;
    });
  }

  // Click: the popup of the feature hit. Hover over a point: its name.
  function bindEvents(layer, spec) {
    function hitOf(e) { return e.layer && e.layer.hit !== undefined ? e.layer.hit : e.target.hit; }
    layer.on('click', function (e) {
      var i = hitOf(e);
      openPopup(spec, i, spec.where ? spec.where[i] : e.latlng);
    });
    if (!spec.where) { return; }
    layer.on('mousemove', function (e) {
      var i = hitOf(e);
      if (spec.name[i]) {
        hoverTip.setLatLng(spec.where[i]).setContent(el('span', null, spec.name[i]));
        map.openTooltip(hoverTip);
      }
    });
    layer.on('mouseout', function () { map.closeTooltip(hoverTip); });
  }

  function buildLodLines(spec) {
    return spec.classes.map(function (c, k) {
      function mine(list) { return list.filter(function (chunk) { return chunk.cls === k; }); }
      return new LodLines(mine(spec.lod.overview), mine(spec.lod.tiles), spec.lod,
        styleOptions(c.style, {fill: false, interactive: false}), c.count);
    });
  }

  var BUILDERS = {point: buildPoints, polygon: buildPolygons, lod_line: buildLodLines, line: buildLines};

  // The page's before/after switch (a plan's map): a layer with a phase is shown only in that phase.
  var phase = DATA.phases ? DATA.phases.now : null;
  function inPhase(spec) { return !spec.phase || !phase || spec.phase === phase; }

  function addLayer(spec) {
    ['x', 'y', 'name', 'cls', 'paths'].forEach(function (name) { attr(spec, name); });
    var groups = BUILDERS[spec.geom](spec);
    groups.forEach(function (g) {
      if (spec.geom !== 'lod_line') { bindEvents(g, spec); }
      if (!spec.hidden && inPhase(spec)) { g.addTo(map); }
    });
    spec.groups = groups;
    api.counts[spec.id] = groups.reduce(function (n, g) { return n + (map.hasLayer(g) ? g.index.length : 0); }, 0);
    api.layers[spec.id] = spec;
  }

  DATA.layers.forEach(addLayer);

  var tiles = null;
  if (DATA.basemap) {
    tiles = L.tileLayer(DATA.basemap.url, {
      subdomains: DATA.basemap.subdomains, maxZoom: DATA.basemap.maxZoom, attribution: DATA.basemap.attribution
    }).addTo(map);
  }

  // ---------------------------------------------------------------------------- layers and legend panel
  function control(position, element) {
    var c = L.control({position: position});
    c.onAdd = function () {
      L.DomEvent.disableClickPropagation(element);
      L.DomEvent.disableScrollPropagation(element);
      return element;
    };
    c.addTo(map);
  }

  function checkbox(checked, onChange) {
    var box = el('input');
    box.type = 'checkbox';
    box.checked = checked;
    box.addEventListener('change', onChange);
    return box;
  }

  function layerBlock(spec) {
    var block = el('div', 're-layer');
    block.setAttribute('data-layer', spec.id);
    var classBoxes = [];
    function sync() {
      block.style.display = inPhase(spec) ? '' : 'none';
      spec.groups.forEach(function (g, k) {
        var on = inPhase(spec) && layerBox.checked && classBoxes[k].checked;
        if (on && !map.hasLayer(g)) { g.addTo(map); } else if (!on && map.hasLayer(g)) { map.removeLayer(g); }
      });
    }
    syncs.push(sync);
    var layerBox = checkbox(!spec.hidden, sync);
    var head = el('label');
    head.appendChild(layerBox);
    head.appendChild(document.createTextNode(' ' + spec.title));
    block.appendChild(head);
    var list = el('ul', 're-legend');
    spec.classes.forEach(function (c) {
      var item = el('li', 're-legend-item');
      var label = el('label');
      var box = checkbox(true, sync);
      classBoxes.push(box);
      label.appendChild(box);
      label.appendChild(symbolCanvas(c.style, spec.geom === 'lod_line' ? 'line' : spec.geom, 22, 're-swatch'));
      label.appendChild(el('span', null, c.label));
      label.appendChild(el('span', 're-count', c.count.toLocaleString()));
      item.appendChild(label);
      list.appendChild(item);
    });
    block.appendChild(list);
    if (spec.lod) { block.appendChild(lodNote(spec.lod)); }
    if (spec.dot_note) { block.appendChild(el('div', 're-note re-lod-note', spec.dot_note)); }
    if (!inPhase(spec)) { block.style.display = 'none'; }
    return block;
  }

  // A surface GeoTIFF as an image under the vector layers, with a checkbox and its colour stops.
  function surfaceBlock(s) {
    var image = L.imageOverlay(s.png, s.bounds, {opacity: s.opacity}).addTo(map);
    image.bringToBack();
    var block = el('div', 're-layer');
    block.setAttribute('data-layer', 'surface');
    var head = el('label');
    head.appendChild(checkbox(true, function (e) {
      if (e.target.checked) { image.addTo(map); image.bringToBack(); } else { map.removeLayer(image); }
    }));
    head.appendChild(document.createTextNode(' ' + s.title));
    block.appendChild(head);
    var list = el('ul', 're-legend');
    s.legend.forEach(function (stop) {
      var item = el('li', 're-legend-item');
      var swatch = el('span', 're-swatch');
      swatch.style.display = 'inline-block';
      swatch.style.width = '22px';
      swatch.style.height = '12px';
      swatch.style.background = stop.color;
      item.appendChild(swatch);
      item.appendChild(el('span', null, ' ' + stop.value.toLocaleString() + ' ' + s.unit));
      list.appendChild(item);
    });
    block.appendChild(list);
    return block;
  }

  // What is drawn at which zoom, and which level is drawn now.
  function lodNote(lod) {
    var box = el('div', 're-note re-lod-note', lod.note);
    var now = el('div', 're-note re-lod-now');
    function show() {
      now.textContent = map.getZoom() >= lod.detail_zoom ? UI.lod_detail : UI.lod_overview.replace('{z}', lod.detail_zoom);
    }
    map.on('zoomend', show);
    show();
    box.appendChild(now);
    return box;
  }

  // Two radio buttons: before the plan / after it; every layer block follows.
  function phaseBlock(phases) {
    var block = el('div', 're-layer re-phase');
    block.setAttribute('data-layer', 'phase');
    block.appendChild(el('div', 're-phase-title', UI.phase));
    ['before', 'after'].forEach(function (p) {
      var label = el('label');
      var radio = el('input');
      radio.type = 'radio';
      radio.name = 're-phase';
      radio.value = p;
      radio.checked = p === phase;
      radio.addEventListener('change', function () { if (radio.checked) { setPhase(p); } });
      label.appendChild(radio);
      label.appendChild(document.createTextNode(' ' + phases[p]));
      block.appendChild(label);
    });
    return block;
  }

  function setPhase(p) {
    phase = p;
    syncs.forEach(function (sync) { sync(); });
    var radio = document.querySelector('input[name=re-phase][value=' + p + ']');
    if (radio) { radio.checked = true; }
  }

  var syncs = [];
  var panel = el('details', 're-box');
  panel.id = 're-layers';
  panel.open = true;
  panel.appendChild(el('summary', null, UI.layers));
  if (DATA.phases) { panel.appendChild(phaseBlock(DATA.phases)); }
  DATA.layers.slice().reverse().forEach(function (spec) { panel.appendChild(layerBlock(spec)); });
  if (tiles) {
    var baseBlock = el('div', 're-layer');
    baseBlock.setAttribute('data-layer', 'basemap');
    var baseLabel = el('label');
    baseLabel.appendChild(checkbox(true, function (e) {
      if (e.target.checked) { tiles.addTo(map); } else { map.removeLayer(tiles); }
    }));
    baseLabel.appendChild(document.createTextNode(' ' + UI.basemap));
    baseBlock.appendChild(baseLabel);
    panel.appendChild(baseBlock);
  }
  if (DATA.surface) { panel.appendChild(surfaceBlock(DATA.surface)); }
  control('topright', panel);

  // -------------------------------------------------------------------------------------------- search
  var searchable = DATA.layers.filter(function (s) { return s.search; });
  var search = el('div', 're-box');
  search.id = 're-search';
  var input = el('input');
  input.type = 'search';
  input.placeholder = UI.search;
  input.setAttribute('aria-label', UI.search);
  var hits = el('ol');
  search.appendChild(input);
  search.appendChild(hits);
  control('topleft', search);

  function codeField(spec) {
    for (var k = 0; k < spec.fields.length; k++) {
      if (spec.fields[k].kind === 'text' && /code/i.test(spec.fields[k].key || '')) { return spec.fields[k]; }
    }
    return spec.fields[0];
  }

  function lowered(spec) {
    if (!spec.lowerNames) {
      var codes = values(spec, codeField(spec));
      spec.lowerNames = spec.name.map(function (s, i) { return ((s || '') + '\u0000' + (codes[i] || '')).toLowerCase(); });
    }
    return spec.lowerNames;
  }

  function goTo(spec, i) {
    map.setView(spec.where[i], Math.max(map.getZoom(), 13));
    openPopup(spec, i, spec.where[i]);
  }

  function runSearch() {
    var q = input.value.trim().toLowerCase();
    hits.textContent = '';
    if (!q) { return; }
    var shown = 0;
    var total = 0;
    searchable.forEach(function (spec) {
      var names = lowered(spec);
      var codes = values(spec, codeField(spec));
      for (var i = 0; i < names.length; i++) {
        if (!spec.where[i] || names[i].indexOf(q) < 0) { continue; }
        total++;
        if (shown >= SEARCH_MAX) { continue; }
        var li = el('li', 're-hit', (spec.name[i] || '—') + (codes[i] ? ' · ' + codes[i] : ''));
        li.tabIndex = 0;
        li.addEventListener('click', goTo.bind(null, spec, i));
        li.addEventListener('keydown', function (e) { if (e.key === 'Enter') { this.click(); } });
        hits.appendChild(li);
        shown++;
      }
    });
    if (!total) { hits.appendChild(el('li', 're-note', UI.no_match)); }
    if (total > shown) { hits.appendChild(el('li', 're-note', UI.more.replace('{n}', shown) + ' / ' + total)); }
  }

  var pending = null;
  input.addEventListener('input', function () { clearTimeout(pending); pending = setTimeout(runSearch, 120); });
  input.addEventListener('keydown', function (e) {
    if (e.key === 'Enter') { clearTimeout(pending); runSearch(); if (hits.firstChild && hits.firstChild.className === 're-hit') { hits.firstChild.click(); } }
  });

  // ------------------------------------------------------------------------------ county indicators
  function mark(ok) {
    if (ok === null || ok === undefined) { return el('td', null, '—'); }
    return el('td', ok ? 're-ok' : 're-bad', ok ? '✓' : '✗');
  }

  function pct(v) { return v === null || v === undefined ? '—' : v.toFixed(1) + UI.sp + '%'; }

  function countyShape(code) {
    var spec = api.layers.counties;
    if (!spec || !spec.shapes) { return null; }
    var codes = spec.fields.filter(function (f) { return f.key === 'county_code'; })[0];
    if (!codes) { return null; }
    var i = values(spec, codes).indexOf(code);
    return i >= 0 ? spec.shapes[i] : null;
  }

  // A plan's map also carries the indicators with the plan built: the table follows the before/after switch.
  function indicatorsPanel() {
    var rows = DATA.indicators.rows, after = DATA.indicators.after;
    if (!rows.length) { return; }
    var box = el('details', 're-box');
    box.id = 're-indicators';
    box.open = rows.length <= 12;  // a region's hundred counties would hide half the map
    var summary = el('summary', null, UI.indicators);
    box.appendChild(summary);
    var holder = el('div');
    box.appendChild(holder);
    function fill() {
      var useAfter = after && after.length && phase === 'after';
      summary.textContent = UI.indicators + (after && after.length && DATA.phases
        ? '（' + DATA.phases[useAfter ? 'after' : 'before'] + '）' : '');
      box.setAttribute('data-phase', useAfter ? 'after' : 'before');
      holder.textContent = '';
      holder.appendChild(indicatorTable(useAfter ? after : rows));
    }
    fill();
    if (after && after.length) { syncs.push(fill); }
    control('bottomleft', box);
  }

  function indicatorTable(rows) {
    var table = el('table');
    var head = el('tr');
    [UI.county, UI.waste, UI.t_waste_2023, UI.t_waste_2025, UI.roads,
      UI.t_roads_2023, UI.t_roads_2025, UI.gap_villages, UI.pave_km,
      UI.sewage, UI.t_sewage_2023, UI.t_sewage_2025, UI.zone_target, UI.toilets,
      UI.toilets_needed
    ].forEach(function (h) { head.appendChild(el('th', null, h)); });
    table.appendChild(head);
    rows.forEach(function (r) {
      var tr = el('tr', r.region ? 're-region' : null);
      tr.appendChild(el('td', null, r.name || r.county_code || '—'));
      tr.appendChild(el('td', null, pct(r.waste_coverage_pct)));
      tr.appendChild(mark(r.waste_meets_2023));
      tr.appendChild(mark(r.waste_meets_2025));
      tr.appendChild(el('td', null, pct(r.road_coverage_pct)));
      tr.appendChild(mark(r.roads_meets_2023));
      tr.appendChild(mark(r.roads_meets_2025));
      tr.appendChild(el('td', null, r.roads_gap_2025 === null ? '—' : r.roads_gap_2025));
      tr.appendChild(el('td', null, r.pave_km_2025 === null ? '—' : r.pave_km_2025.toFixed(1)));
      tr.appendChild(el('td', null, pct(r.sewage_rate_pct)));
      tr.appendChild(mark(r.sewage_meets_2023));
      tr.appendChild(mark(r.sewage_meets_2025));
      tr.appendChild(mark(r.sewage_meets_zone));
      tr.appendChild(el('td', null, pct(r.toilet_rate_pct)));
      tr.appendChild(el('td', null, r.toilets_needed === null || r.toilets_needed === undefined ? '—'
        : r.toilets_needed.toLocaleString('zh-CN')));
      var shape = r.region ? null : countyShape(r.county_code);
      if (shape) {
        tr.className = 're-clickable';
        tr.addEventListener('click', function () {
          map.fitBounds(shape.getBounds(), {paddingBottomRight: [panel.offsetWidth + 20, 20]});
        });
      }
      table.appendChild(tr);
    });
    return table;
  }
  indicatorsPanel();

  // A plan's conclusions (one sentence per county), beside the indicators.
  if (DATA.notes && DATA.notes.length) {
    var notes = el('details', 're-box');
    notes.id = 're-notes';
    notes.open = DATA.notes.length <= 6;  // a region's hundred counties would hide the map
    notes.appendChild(el('summary', null, UI.notes));
    DATA.notes.forEach(function (line) { notes.appendChild(el('p', null, line)); });
    control('topleft', notes);
  }

  // For tests and scripts: the phase, and how many features of a layer are on the map now.
  api.phase = function () { return phase; };
  api.setPhase = setPhase;
  api.shown = function (id) {
    var spec = api.layers[id];
    return spec ? spec.groups.reduce(function (n, g) { return n + (map.hasLayer(g) ? g.index.length : 0); }, 0) : 0;
  };

  // The whole area in view beside the layer panel (the first frame is not drawn yet: no extra redraw).
  // (and clear of the conclusions and the indicator table when they are there)
  var notesBox = document.getElementById('re-notes'), tableBox = document.getElementById('re-indicators');
  map.fitBounds(DATA.bounds, {paddingTopLeft: [notesBox && notesBox.open ? notesBox.offsetWidth + 30 : 20, 20],
    paddingBottomRight: [panel.offsetWidth + 20, tableBox ? tableBox.offsetHeight + 20 : 20]});

  // ----------------------------------------------------------------------------------------- ready
  api.timings.build_ms = performance.now() - t0;
  requestAnimationFrame(function () {
    requestAnimationFrame(function () {
      api.timings.first_render_ms = performance.now();
      api.ready = true;
    });
  });
}());
