/**
 * The script of the HTML report, run in the browser: it reads the figures embedded in the page
 * and draws, per product and day, the charts (uPlot) with the gaps as overlay markers, and the
 * tables. Plain ES2017 without template literals, so it can sit in a TypeScript string as is.
 */
export const PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var started = performance.now();
  var report = JSON.parse(document.getElementById('report-data').textContent);
  // Seconds are embedded as differences (see forPage in html-report.ts).
  report.days.forEach(function (day) {
    var t = day.market.seconds.t;
    for (var i = 1; i < t.length; i++) t[i] += t[i - 1];
  });
  var parsed = performance.now();
  var root = document.getElementById('report');
  var MARKED = { gap: 1, reconnect: 1, checkpoint_stale: 1, invalid_level: 1, crossed_book: 1 };
  var charts = [];

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) {
      if (k === 'text') e.textContent = attrs[k];
      else e.setAttribute(k, attrs[k]);
    }
    (children || []).forEach(function (c) { if (c) e.appendChild(c); });
    return e;
  }
  function secs(iso) { return iso ? Date.parse(iso) / 1000 : null; }
  function clock(iso) { return iso ? iso.slice(11, 23) : '—'; }
  function num(n, digits) {
    if (n === null || n === undefined) return '—';
    return n.toLocaleString('en-US', digits === undefined ? { maximumSignificantDigits: 8 } : { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }
  function dur(s) {
    if (s < 1) return (s * 1000).toFixed(0) + ' ms';
    if (s < 120) return s.toFixed(1) + ' s';
    if (s < 7200) return (s / 60).toFixed(1) + ' min';
    return (s / 3600).toFixed(1) + ' h';
  }
  function table(head, rows, cls) {
    return el('table', { class: cls || '' }, [
      el('thead', {}, [el('tr', {}, head.map(function (h) { return el('th', { text: h }); }))]),
      el('tbody', {}, rows.map(function (r) { return el('tr', {}, r.map(function (c) { return el('td', { text: String(c) }); })); })),
    ]);
  }

  /** Every gap of a product-day as a marker: book-invalid runs and no-data minutes as bands, events as lines. */
  function markersOf(day) {
    var out = [];
    if (day.book) {
      day.book.invalid_spans.forEach(function (s) {
        out.push({ type: 'invalid', from: secs(s.from), to: secs(s.to), label: 'book invalid ' + clock(s.from) + ' → ' + clock(s.to) + ' (' + dur(s.seconds) + ')' });
      });
      day.book.events.forEach(function (e) {
        if (!MARKED[e.kind]) return;
        // A line where the event was seen (the message that revealed it); its span is in the invalid band.
        var seen = secs(e.time_to || e.time_from);
        out.push({ type: 'event', kind: e.kind, from: seen, to: seen, label: e.kind + ' ' + clock(e.time_from) + ' → ' + clock(e.time_to) + (e.detail ? ': ' + e.detail : '') });
      });
    }
    day.coverage.forEach(function (c) {
      if (c.dataset !== 'level2') return;
      c.empty_spans.forEach(function (s) {
        out.push({ type: 'nodata', from: secs(s.from), to: secs(s.to), label: 'no level2 rows ' + clock(s.from) + ' → ' + clock(s.to) + ' (' + dur(s.seconds) + ')' });
      });
    });
    return out;
  }

  /** A uPlot plugin that keeps one positioned div per marker over the plot area. */
  function markerPlugin(markers) {
    var divs = [];
    function place(u) {
      var min = u.scales.x.min, max = u.scales.x.max;
      markers.forEach(function (m, i) {
        var d = divs[i];
        var from = Math.max(m.from, min), to = Math.min(m.to, max);
        if (to < min || from > max) { d.style.display = 'none'; return; }
        var left = u.valToPos(from, 'x'), right = u.valToPos(to, 'x');
        d.style.display = '';
        d.style.left = left + 'px';
        d.style.width = (m.type === 'event' ? 2 : Math.max(2, right - left)) + 'px';
        if (m.type === 'event') d.style.left = left - 1 + 'px';
      });
    }
    return {
      hooks: {
        ready: function (u) {
          markers.forEach(function (m) {
            var d = el('div', { class: 'gap-marker gap-marker--' + m.type, title: m.label });
            u.over.appendChild(d);
            divs.push(d);
          });
          place(u);
        },
        setScale: function (u, key) { if (key === 'x' && divs.length) place(u); },
        setSize: function (u) { if (divs.length) place(u); },
      },
    };
  }

  function utc(ts) { return uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'); }

  /** 24-hour UTC tick labels, with seconds when the view spans less than ten minutes. */
  function timeTicks(u, splits) {
    var span = u.scales.x.max - u.scales.x.min;
    return splits.map(function (v) {
      var iso = new Date(v * 1000).toISOString();
      return span > 2 * 86400 ? iso.slice(5, 10) + ' ' + iso.slice(11, 16) : span > 600 ? iso.slice(11, 16) : iso.slice(11, 19);
    });
  }

  /** Tick labels with as many decimals as the tick step needs (a 0.0015 bps spread stays readable). */
  function numberTicks(u, splits, axis, space, step) {
    var decimals = Math.max(0, Math.min(12, -Math.floor(Math.log10(Math.abs(step) || 1)) + 1));
    return splits.map(function (v) { return v.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals }); });
  }

  /** Room for the longest tick label and the axis title, so they never overlap. */
  function axisSize(u, values) {
    var longest = 0;
    (values || []).forEach(function (v) { longest = Math.max(longest, String(v).length); });
    return Math.max(50, longest * 7 + 30);
  }

  /** A y range around the data with a little room; a flat series gets a narrow band around its value. */
  function padded(u, min, max) {
    if (min === null || max === null) return [0, 1];
    if (min === max) {
      var d = Math.abs(min) * 1e-4 || 1;
      return [min - d, max + d];
    }
    var pad = (max - min) * 0.05;
    return [min - pad, max + pad];
  }

  function chart(container, title, series, data, axes, markers, syncKey, scales, xRange) {
    var box = el('div', { class: 'chart', 'data-chart': title });
    container.appendChild(el('h3', { text: title }));
    container.appendChild(box);
    var opts = {
      width: Math.max(400, container.clientWidth - 8),
      height: 240,
      tzDate: utc,
      cursor: { sync: { key: syncKey } },
      scales: Object.assign({ x: xRange ? { time: true, range: xRange } : { time: true } }, scales || {}),
      series: [{ label: 'time (UTC)', value: function (u, v) { return v === null ? '—' : new Date(v * 1000).toISOString().slice(11, 19); } }].concat(series),
      axes: [{ values: timeTicks }].concat(axes.map(function (a) { return Object.assign({ values: numberTicks, size: axisSize }, a); })),
      plugins: [markerPlugin(markers)],
    };
    var u = new uPlot(opts, data, box);
    var xs = u.data[0];
    // What the chart holds, for a reader of the DOM (the tests): first and last x, and points.
    box.setAttribute('data-x', xs[0] + ',' + xs[xs.length - 1] + ',' + xs.length);
    charts.push({ u: u, container: container });
    return u;
  }

  /** Nulls where the series jumps more than a minute, so the line does not bridge a hole. */
  function withBreaks(t, ys) {
    var outT = [], outY = ys.map(function () { return []; });
    for (var i = 0; i < t.length; i++) {
      if (i > 0 && t[i] - t[i - 1] > 60) {
        outT.push(t[i - 1] + 1);
        outY.forEach(function (y) { y.push(null); });
      }
      outT.push(t[i]);
      outY.forEach(function (y, k) { y.push(ys[k][i]); });
    }
    return [outT].concat(outY);
  }

  /** Every minute from the first to the last, 0 where a series has no rows. */
  function minuteGrid(tables) {
    var first = Infinity, last = -Infinity;
    tables.forEach(function (t) { if (t.minute.length) { first = Math.min(first, t.minute[0]); last = Math.max(last, t.minute[t.minute.length - 1]); } });
    var xs = [];
    for (var m = first; m <= last; m += 60) xs.push(m);
    return [xs].concat(tables.map(function (t) {
      var at = {}, y = xs.map(function () { return 0; });
      t.minute.forEach(function (m, i) { at[m] = t.values[i]; });
      xs.forEach(function (m, i) { if (at[m] !== undefined) y[i] = at[m]; });
      return y;
    }));
  }

  function figures(day) {
    var b = day.book, m = day.market;
    var items = [
      ['book valid', b && b.valid_share !== null ? (b.valid_share * 100).toFixed(2) + ' %' : '—', b && b.valid_share !== null && b.valid_share < 1 ? 'bad' : 'good'],
      ['invalid spans', b ? b.invalid_spans.length : '—', b && b.invalid_spans.length ? 'bad' : ''],
      ['crossed-book repairs', b ? b.crossed_book_repairs : '—', b && b.crossed_book_repairs ? 'bad' : ''],
      ['mid', num(m.mid.first) + ' → ' + num(m.mid.last), ''],
      ['median spread', num(m.spread_bps.median, 3) + ' bps', ''],
      ['trades', num(m.trades.count), ''],
    ];
    return el('div', { class: 'figures' }, items.map(function (it) {
      return el('div', { class: 'figure ' + it[2] }, [el('span', { class: 'k', text: it[0] }), el('span', { class: 'v', text: String(it[1]) })]);
    }));
  }

  function gapTable(day) {
    var rows = [];
    if (day.book) {
      day.book.events.forEach(function (e) {
        if (MARKED[e.kind]) rows.push([e.time_from || e.time_to, e.kind, clock(e.time_from), clock(e.time_to), e.sequence_from === null ? '' : e.sequence_from + ' … ' + e.sequence_to, e.detail || '']);
      });
      day.book.invalid_spans.forEach(function (s) {
        rows.push([s.from, 'book invalid', clock(s.from), clock(s.to), '', dur(s.seconds) + ', ' + s.causes.join(', ') + (s.recovered ? '' : ', not recovered that day')]);
      });
    }
    day.coverage.forEach(function (c) {
      if (c.dataset === 'level2') c.empty_spans.forEach(function (s) { rows.push([s.from, 'no level2 rows', clock(s.from), clock(s.to), '', dur(s.seconds)]); });
    });
    rows.sort(function (a, b) { return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0; });
    if (!rows.length) return el('p', { class: 'none', text: 'No gaps, reconnects, stale checkpoints, crossed books or empty minutes.' });
    return table(['what', 'from', 'to', 'sequence', 'detail'], rows.map(function (r) { return r.slice(1); }), 'gaps');
  }

  function daySection(day, index) {
    var section = el('section', { class: 'day', 'data-product': day.product_id, 'data-date': day.date });
    root.appendChild(section);
    section.appendChild(el('h2', { text: day.product_id + '  ·  ' + day.date }));
    section.appendChild(figures(day));
    var markers = markersOf(day);
    var key = 'day' + index;
    var s = day.market.seconds;
    if (s.t.length) {
      chart(section, 'mid and spread', [
        { label: 'mid', stroke: '#1f6feb', width: 1.25, scale: 'price', value: function (u, v) { return v === null ? '—' : num(v); } },
        { label: 'spread (bps)', stroke: '#d97706', width: 1, scale: 'bps', value: function (u, v) { return v === null ? '—' : v.toFixed(3); } },
      ], withBreaks(s.t, [s.mid, s.spread_bps]), [
        { scale: 'price', label: 'mid' },
        { scale: 'bps', side: 1, label: 'spread (bps)', grid: { show: false } },
      ], markers, key, { price: { range: padded }, bps: { range: padded } });
    }
    var tr = day.market.trades_per_minute;
    if (tr.minute.length) {
      var grid = minuteGrid([{ minute: tr.minute, values: tr.buy }, { minute: tr.minute, values: tr.sell }, { minute: tr.minute, values: tr.unknown }]);
      grid[2] = grid[2].map(function (v) { return -v; });
      var bars = uPlot.paths.bars({ size: [0.8, 40] });
      var thin = uPlot.paths.bars({ size: [0.35, 16] });
      chart(section, 'trade volume per minute by taker side (sell below zero)', [
        { label: 'taker buy', fillTo: 0, fill: 'rgba(22,163,74,0.8)', stroke: '#16a34a', paths: bars, points: { show: false } },
        { label: 'taker sell', fillTo: 0, fill: 'rgba(220,38,38,0.8)', stroke: '#dc2626', paths: bars, points: { show: false }, value: function (u, v) { return v === null ? '—' : num(-v); } },
        { label: 'undecided', fillTo: 0, fill: 'rgba(60,60,60,0.75)', stroke: '#444', paths: thin, points: { show: false } },
      ], grid, [{ label: 'volume' }], markers, key, {}, function (u, min, max) { return [min - 30, max + 30]; });
    }
    if (day.coverage.length) {
      var palette = ['#1f6feb', '#16a34a', '#d97706', '#9333ea', '#0891b2', '#be123c', '#4b5563'];
      chart(section, 'coverage: rows per minute', day.coverage.map(function (c, i) {
        return { label: c.dataset, stroke: palette[i % palette.length], width: 1.25, paths: uPlot.paths.stepped({ align: 1 }) };
      }), minuteGrid(day.coverage.map(function (c) { return { minute: c.per_minute.minute, values: c.per_minute.rows }; })),
      [{ label: 'rows' }], markers, key);
      section.appendChild(table(['dataset', 'rows', 'first', 'last', 'minutes with rows', 'empty minutes'], day.coverage.map(function (c) {
        return [c.dataset, num(c.rows), clock(c.first), clock(c.last), c.minutes_with_data, c.empty_minutes];
      }), 'coverage'));
    }
    section.appendChild(el('h3', { text: 'gaps' }));
    section.appendChild(gapTable(day));
  }

  function inputSection(input) {
    var section = el('section', { class: 'input' });
    root.appendChild(section);
    section.appendChild(el('h2', { text: 'input health' }));
    var t = input.totals;
    section.appendChild(table(['segments', 'lines', 'quarantined lines', 'quarantined rows', 'failed segments'], [[t.segments, num(t.lines), t.quarantined_lines, t.quarantined_rows, t.failed_segments]], 'totals'));
    if (input.quarantine_reasons.length) {
      section.appendChild(el('h3', { text: 'quarantine reasons' }));
      section.appendChild(table(['lines', 'stage', 'reason', 'example'], input.quarantine_reasons.map(function (r) {
        return [r.count, r.stage, r.reason, r.example.file + ':' + (r.example.line === null ? '?' : r.example.line)];
      }), 'reasons'));
    }
    if (input.failed.length) {
      section.appendChild(el('h3', { text: 'failed segments' }));
      section.appendChild(table(['segment', 'failed at', 'error'], input.failed.map(function (f) { return [f.segment, f.failed_at || '', f.error]; }), 'failed'));
    }
    section.appendChild(el('h3', { text: 'segments' }));
    section.appendChild(table(['segment', 'dates', 'lines', 'quarantined lines', 'quarantined rows', 'rows', 'published'], input.segments.map(function (s) {
      var rows = Object.keys(s.rows).sort().map(function (k) { return k + ' ' + num(s.rows[k]); }).join(', ');
      return [s.segment, s.dates.join(', '), s.lines === null ? '' : num(s.lines), s.quarantined_lines, s.quarantined_rows, rows, s.published ? 'yes' : 'no'];
    }), 'segments'));
  }

  if (!report.days.length) root.appendChild(el('p', { class: 'none', text: 'No rows for this selection.' }));
  report.days.forEach(daySection);
  inputSection(report.input);
  window.addEventListener('resize', function () {
    charts.forEach(function (c) { c.u.setSize({ width: Math.max(400, c.container.clientWidth - 8), height: 240 }); });
  });
  // For whoever measures the page (the tests print it): figures parsed, then everything drawn.
  document.body.setAttribute('data-timing-ms', (parsed - started).toFixed(0) + ' parse, ' + (performance.now() - parsed).toFixed(0) + ' draw');
  document.body.setAttribute('data-rendered', String(charts.length));
})();
`;
