'use strict';
// The operators' page: the latest window's reliability diagrams (MAP and BayesVLM), ECE over time, review rate
// and labelled counts, alerts highlighted. Polls the API every 2 s.

let model = null;
// What the job alerts on (the service's calibration.alert-ece and calibration.min-labels).
let settings = { alertEce: 0.1, minLabels: 100 };

async function refresh() {
  const r = await api('GET', '/api/calibration/history?limit=200');
  if (r.status !== 200) return;
  const reports = r.data;
  const models = [...new Set(reports.map((x) => x.model))];
  const select = document.getElementById('model');
  if (models.join('\n') !== [...select.options].map((o) => o.value).join('\n')) {
    clear(select);
    models.forEach((m) => select.appendChild(el('option', { value: m }, m)));
  }
  if (!models.includes(model)) model = models[0] || null;
  select.value = model || '';
  const mine = reports.filter((x) => x.model === model);
  document.getElementById('no-data').hidden = mine.length > 0;
  if (mine.length === 0) return;
  const latest = mine[mine.length - 1];
  const queue = await api('GET', '/api/queue');
  summary(latest, queue.status === 200 ? queue.data : null);
  diagram(document.getElementById('diagram-map'), latest.map);
  diagram(document.getElementById('diagram-bayes'), latest.bayes);
  binsTable(latest);
  eceChart(document.getElementById('ece-chart'), mine);
  eceTable(mine);
  rateChart(document.getElementById('rate-chart'), mine);
}

const tooFew = (rep) => rep.labelled < settings.minLabels;

/** The reliability diagrams' numbers, for screen readers and for copying. */
function binsTable(rep) {
  const t = document.getElementById('bins-table');
  clear(t);
  t.appendChild(el('caption', {}, 'Accuracy per confidence bin, latest window'));
  t.appendChild(el('tr', {}, ...['confidence', 'MAP accuracy', 'MAP count', 'BayesVLM accuracy', 'BayesVLM count']
    .map((h) => el('th', { scope: 'col' }, h))));
  rep.bayes.bins.forEach((b, i) => {
    const m = rep.map.bins[i] || {};
    t.appendChild(el('tr', {}, el('th', { scope: 'row' }, fmt(b.lo, 2) + '–' + fmt(b.hi, 2)),
      el('td', {}, fmt(m.accuracy)), el('td', {}, String(m.count || 0)),
      el('td', {}, fmt(b.accuracy)), el('td', {}, String(b.count))));
  });
}

function eceTable(reports) {
  const t = document.getElementById('ece-table');
  clear(t);
  t.appendChild(el('caption', {}, 'ECE per window (newest first)'));
  t.appendChild(el('tr', {}, ...['window end', 'labels', 'MAP', 'BayesVLM', 'audits only', 'whole stream (95% interval)',
    'alert'].map((h) => el('th', { scope: 'col' }, h))));
  for (const r of reports.slice().reverse().slice(0, 50)) {
    const interval = r.populationEceBayesLower == null ? '–'
      : fmt(r.populationEceBayes) + ' (' + fmt(r.populationEceBayesLower) + '–' + fmt(r.populationEceBayesUpper) + ')';
    t.appendChild(el('tr', {}, el('th', { scope: 'row' }, new Date(r.windowEnd).toLocaleTimeString()),
      el('td', {}, String(r.labelled) + (tooFew(r) ? ' (too few)' : '')), el('td', {}, fmt(r.map.ece)),
      el('td', {}, fmt(r.bayes.ece)), el('td', {}, fmt(r.auditEceBayes)), el('td', {}, interval),
      el('td', {}, r.alert ? 'ALERT' : '')));
  }
}

function summary(rep, queue) {
  const alert = document.getElementById('alert');
  alert.hidden = !rep.alert;
  // The evidence with the alert: how many labels this window has, and the whole-stream ECE's 95% interval.
  const interval = rep.populationEceBayesLower == null ? ''
    : '; whole-stream ECE ' + fmt(rep.populationEceBayes) + ', 95% interval ' + fmt(rep.populationEceBayesLower)
      + '–' + fmt(rep.populationEceBayesUpper);
  alert.textContent = rep.alert ? 'ALERT: BayesVLM ECE ' + fmt(rep.bayes.ece) + ' has been over the threshold for '
    + rep.windowsOverThreshold + ' consecutive windows with enough labels (this one: ' + rep.labelled + ' labels'
    + interval + '). The model\'s confidence cannot be trusted as it is.' : '';
  document.getElementById('window').textContent =
    new Date(rep.windowStart).toLocaleString() + ' – ' + new Date(rep.windowEnd).toLocaleTimeString();
  const box = document.getElementById('summary');
  clear(box);
  const stat = (label, value, cls) => box.appendChild(el('div', { class: 'stat ' + (cls || '') },
    el('span', { class: 'value' }, value), el('span', { class: 'label' }, label)));
  stat('ECE BayesVLM' + (tooFew(rep) ? ' (too few labels to judge: ' + rep.labelled + ' < ' + settings.minLabels
    + ')' : ''), fmt(rep.bayes.ece), rep.alert && !tooFew(rep) ? 'bad' : '');
  stat('ECE MAP', fmt(rep.map.ece));
  stat('ECE BayesVLM, audits only', fmt(rep.auditEceBayes));
  stat('ECE BayesVLM, whole stream (weighted)', fmt(rep.populationEceBayes) + (rep.populationEceBayesLower == null ? ''
    : ' (' + fmt(rep.populationEceBayesLower) + '–' + fmt(rep.populationEceBayesUpper) + ')'));
  stat('accuracy', pct(rep.bayes.accuracy));
  stat('review rate', pct(rep.reviewRate));
  stat('labelled decisions', String(rep.labelled));
  stat('of them reviewed / audited', rep.reviewed + ' / ' + rep.audited);
  if (queue) stat('queue: pending / in review', queue.pending + ' / ' + queue.claimed);
}

/** Accuracy per confidence bin against the diagonal, with the bin counts under the bars. */
function diagram(svg, stats) {
  clear(svg);
  const L = 40, T = 10, W = 260, H = 240;
  const x = (v) => L + v * W;
  const y = (v) => T + (1 - v) * H;
  svg.appendChild(el('rect', { x: L, y: T, width: W, height: H, class: 'plot' }));
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    svg.appendChild(el('line', { x1: L - 4, x2: L, y1: y(t), y2: y(t), class: 'tick' }));
    svg.appendChild(el('text', { x: L - 6, y: y(t) + 4, class: 'axis', 'text-anchor': 'end' }, t.toFixed(2)));
    svg.appendChild(el('text', { x: x(t), y: T + H + 14, class: 'axis', 'text-anchor': 'middle' }, t.toFixed(2)));
  }
  let bars = 0;
  for (const b of stats.bins) {
    if (!b.count || b.accuracy === null) continue;
    const x0 = x(b.lo) + 1, w = Math.max(1, x(b.hi) - x(b.lo) - 2);
    svg.appendChild(el('rect', { x: x0, y: y(b.accuracy), width: w, height: y(0) - y(b.accuracy), class: 'bin' },
      el('title', {}, 'confidence ' + fmt(b.lo, 2) + '–' + fmt(b.hi, 2) + ': accuracy ' + fmt(b.accuracy)
        + ' over ' + b.count + ' (mean confidence ' + fmt(b.confidence) + ')')));
    if (b.confidence !== null) {
      const top = Math.max(b.accuracy, b.confidence), bottom = Math.min(b.accuracy, b.confidence);
      svg.appendChild(el('rect', { x: x0, y: y(top), width: w, height: y(bottom) - y(top), class: 'gap' }));
    }
    svg.appendChild(el('text', { x: x0 + w / 2, y: T + H + 28, class: 'count', 'text-anchor': 'middle' },
      b.count >= 1000 ? (b.count / 1000).toFixed(0) + 'k' : b.count));
    bars++;
  }
  svg.setAttribute('data-bars', bars);
  svg.setAttribute('aria-label', 'reliability diagram: ' + bars + ' bins with labels, ECE ' + fmt(stats.ece)
    + ' over ' + stats.count + ' labelled decisions (the table below has the numbers)');
  svg.appendChild(el('line', { x1: x(0), y1: y(0), x2: x(1), y2: y(1), class: 'diagonal' }));
  svg.appendChild(el('text', { x: L + W / 2, y: T + H + 44, class: 'axis', 'text-anchor': 'middle' },
    'confidence · ECE ' + fmt(stats.ece) + ' · n = ' + stats.count));
  svg.appendChild(el('text', { x: 12, y: T + H / 2, class: 'axis', transform: 'rotate(-90 12 ' + (T + H / 2) + ')',
    'text-anchor': 'middle' }, 'accuracy'));
}

function lineChart(svg, reports, series, opts) {
  clear(svg);
  const L = 50, R = opts.right ? 50 : 10, T = 10, B = 30;
  const W = svg.viewBox.baseVal.width - L - R, H = svg.viewBox.baseVal.height - T - B;
  const t0 = reports[0].windowEnd, t1 = reports[reports.length - 1].windowEnd;
  const x = (t) => L + (t1 === t0 ? W / 2 : (t - t0) / (t1 - t0) * W);
  svg.appendChild(el('rect', { x: L, y: T, width: W, height: H, class: 'plot' }));
  reports.forEach((r) => {
    if (r.alert) svg.appendChild(el('rect', { x: x(r.windowEnd) - 3, y: T, width: 6, height: H, class: 'alerted' }));
  });
  let leftAxis = false;
  for (const s of series) {
    const max = s.max || Math.max(1e-9, ...reports.map(s.value).filter((v) => v !== null && v !== undefined));
    const y = (v) => T + (1 - v / max) * H;
    const pts = reports.filter((r) => s.value(r) !== null && s.value(r) !== undefined)
      .map((r) => x(r.windowEnd).toFixed(1) + ',' + y(s.value(r)).toFixed(1));
    if (pts.length) svg.appendChild(el('polyline', { points: pts.join(' '), class: 'series ' + s.cls }));
    if (s.right || !leftAxis) {
      const axisX = s.right ? L + W + 6 : L - 6;
      [0, 0.5, 1].forEach((f) => svg.appendChild(el('text', { x: axisX, y: y(f * max) + 4, class: 'axis',
        'text-anchor': s.right ? 'start' : 'end' }, s.format(f * max))));
      leftAxis = leftAxis || !s.right;
    }
  }
  // a readable time axis: five ticks, hours and minutes (and the date when the span crosses days)
  const days = new Date(t0).toDateString() !== new Date(t1).toDateString();
  const ticks = t1 === t0 ? [t0] : [0, 0.25, 0.5, 0.75, 1].map((f) => t0 + f * (t1 - t0));
  ticks.forEach((t, i) => {
    const d = new Date(t);
    const label = (days ? (d.getMonth() + 1) + '/' + d.getDate() + ' ' : '')
      + String(d.getHours()).padStart(2, '0') + ':' + String(d.getMinutes()).padStart(2, '0');
    svg.appendChild(el('line', { x1: x(t), x2: x(t), y1: T + H, y2: T + H + 4, class: 'tick' }));
    svg.appendChild(el('text', { x: x(t), y: T + H + 16, class: 'axis',
      'text-anchor': i === 0 && ticks.length > 1 ? 'start' : i === ticks.length - 1 && i > 0 ? 'end' : 'middle' }, label));
  });
  if (opts.decorate) opts.decorate({ x, T, H, L, W });
}

function eceChart(svg, reports) {
  const max = 1.1 * Math.max(0.05, settings.alertEce, ...reports.flatMap(
    (r) => [r.map.ece, r.bayes.ece, r.auditEceBayes || 0, r.populationEceBayesUpper || 0]));
  // the whole stream's ECE with its 95% interval as a band, the threshold as a line, small windows as hollow dots
  const decorate = ({ x, T, H, L, W }) => {
    const y = (v) => T + (1 - v / max) * H;
    const withInterval = reports.filter((r) => r.populationEceBayesLower != null);
    if (withInterval.length) {
      const upper = withInterval.map((r) => x(r.windowEnd).toFixed(1) + ',' + y(r.populationEceBayesUpper).toFixed(1));
      const lower = withInterval.slice().reverse()
        .map((r) => x(r.windowEnd).toFixed(1) + ',' + y(r.populationEceBayesLower).toFixed(1));
      svg.insertBefore(el('polygon', { points: upper.concat(lower).join(' '), class: 'interval' },
        el('title', {}, 'whole-stream BayesVLM ECE, 95% interval')), svg.children[1]);
    }
    svg.appendChild(el('line', { x1: L, x2: L + W, y1: y(settings.alertEce), y2: y(settings.alertEce),
      class: 'threshold' }));
    svg.appendChild(el('text', { x: L + W - 4, y: y(settings.alertEce) - 4, class: 'axis threshold-label',
      'text-anchor': 'end' }, 'alert threshold ' + settings.alertEce));
    reports.filter(tooFew).forEach((r) => svg.appendChild(el('circle', { cx: x(r.windowEnd), cy: y(r.bayes.ece), r: 3,
      class: 'small-n' }, el('title', {}, r.labelled + ' labels: too few to judge'))));
  };
  lineChart(svg, reports, [
    { value: (r) => r.map.ece, cls: 'map', max, format: (v) => v.toFixed(2) },
    { value: (r) => r.bayes.ece, cls: 'bayes', max, format: (v) => v.toFixed(2) },
    { value: (r) => r.auditEceBayes, cls: 'audit', max, format: (v) => v.toFixed(2) },
  ], { decorate });
  const last = reports[reports.length - 1];
  svg.setAttribute('aria-label', 'ECE over ' + reports.length + ' windows; latest BayesVLM ' + fmt(last.bayes.ece)
    + ', MAP ' + fmt(last.map.ece) + ', alert threshold ' + settings.alertEce + ' (the table below has the numbers)');
}

function rateChart(svg, reports) {
  const maxLabelled = Math.max(1, ...reports.map((r) => r.labelled));
  lineChart(svg, reports, [
    { value: (r) => r.reviewRate, cls: 'rate', max: 1, format: (v) => (100 * v).toFixed(0) + '%' },
    { value: (r) => r.labelled, cls: 'labelled', max: maxLabelled, right: true, format: (v) => v.toFixed(0) },
  ], { right: true });
}

document.getElementById('model').addEventListener('change', (ev) => {
  model = ev.target.value;
  refresh();
});
whoAmI().then(async () => {
  const s = await api('GET', '/api/calibration/settings');
  if (s.status === 200) settings = s.data;
  refresh();
  setInterval(refresh, 2000);
});
