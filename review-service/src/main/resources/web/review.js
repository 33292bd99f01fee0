'use strict';
// The reviewer's page: the next item (claimed for this reviewer), one key per class. A label waits UNDO_MS in this
// page before it is sent (Undo sends nothing), then stays on screen until the service confirms it: a label that
// could not be sent (offline, a conflict, a proxy's error page) is kept, in localStorage too, until it is sent or
// the reviewer dismisses it. Nothing is lost silently.

const UNDO_MS = 4000;
const SKIP_KEY = ' ';
// Keys for classes in order: digits, then letters but e, u and z (escalate, undo, zoom).
const KEYS = '1234567890abcdfghijklmnopqrstvwxy'.split('');
// The lease is renewed when less than half of it is left, while the tab is visible and someone used it lately.
const ACTIVE_MS = 120000;
const HISTORY_SHOWN = 10;

let me = null;
let current = null;      // the item on screen
let leaseMillis = 0;     // its lease as first granted
let keyToClass = {};
let pollTimer = null;
let lastActivity = Date.now();
let renewing = false;
// Bumped by every change of the item on screen: an answer to an older loadNext is not shown over a newer choice
// (an undo pressed while the next item was on its way).
let navigation = 0;
// Labels given on this page, newest first: waiting (its undo window), sending, sent, failed.
let history = [];

const REASONS = {
  UNCERTAIN: 'the model is unsure about this one',
  AUDIT: "a random audit: the model's view is hidden, so your label is your own (the guarantees rest on it)",
};

const $ = (id) => document.getElementById(id);

async function loadNext() {
  clearTimeout(pollTimer);
  const ticket = ++navigation;
  // held items whose label waits out its undo window are not handed back
  const except = history.filter((h) => h.state === 'waiting').map((h) => h.eventId);
  let r;
  try {
    r = await api('POST', '/api/queue/next', { except });
    if (ticket !== navigation) return; // the page moved on (an undo): this item stays held and comes back next
  } catch (e) {
    status('No connection to the service; trying again…');
    pollTimer = setTimeout(loadNext, 3000);
    return;
  }
  if (r.status === 204) {
    show(null);
    pollTimer = setTimeout(loadNext, 3000);
  } else if (r.status === 200) {
    show(r.data);
  } else {
    status('Could not get the next item: ' + (r.data && r.data.error) + '. Retrying…');
    pollTimer = setTimeout(loadNext, 2000);
  }
  refreshCounts();
}

async function refreshCounts() {
  const r = await api('GET', '/api/queue').catch(() => null);
  if (r && r.status === 200) {
    const c = r.data;
    $('remaining').textContent =
      c.pending + ' left (' + c['pending-uncertain'] + ' uncertain, ' + c['pending-audit'] + ' audits) · '
      + c.claimed + ' in review · ' + c.done + ' labelled';
    $('escalated-count').textContent = c['pending-escalated'] || 0;
  }
}

async function refreshFigures() {
  const r = await api('GET', '/api/me/figures').catch(() => null);
  if (!r || r.status !== 200) return;
  const f = r.data;
  const parts = ['You: ' + f.labels + ' labels (' + f.labelsSince + ' in the last hour)'];
  if (f.timedLabels) parts.push(Math.round(f.timedMillis / f.timedLabels / 1000) + ' s per item');
  if (f.audits) parts.push('audits: the model agreed with you on ' + f.auditsModelAgreed + ' of ' + f.audits);
  if (f.escalationsWaiting) parts.push(f.escalationsWaiting + ' of your escalations waiting');
  $('figures').textContent = parts.join(' · ');
}

/** What the model thinks, in words a moderator can use, and the classes it is torn between. */
function plainSentence(item) {
  if (item.reason === 'AUDIT') {
    return { text: 'A random audit: label what you see. The model\'s view is hidden on purpose.', guesses: [] };
  }
  const top = item.topK || [];
  if (top.length === 0) return { text: '', guesses: [] };
  const [a, b] = top;
  const name = (s) => s.classId + ' (' + Math.round(100 * s.probability) + '%)';
  if (b && a.probability - b.probability < 0.15) {
    return { text: 'The model is torn between ' + name(a) + ' and ' + name(b) + '.', guesses: [a.classId, b.classId] };
  }
  if (a.probability < 0.6) {
    return {
      text: 'The model leans to ' + name(a) + ' but is not sure' + (b ? '; next is ' + name(b) : '') + '.',
      guesses: b ? [a.classId, b.classId] : [a.classId],
    };
  }
  return { text: 'The model says ' + name(a) + ', but its evidence for this image is shaky, so a person decides.',
    guesses: [a.classId] };
}

function show(item) {
  current = item;
  $('empty').hidden = item !== null;
  $('item').hidden = item === null;
  $('choices').hidden = item === null;
  $('escalate-form').hidden = true;
  if (!item) return;
  clearTimeout(pollTimer);
  leaseMillis = Math.max(0, item.leaseUntil - serverNow());

  const img = $('image');
  const ref = $('image-ref');
  img.onerror = () => {
    img.hidden = true;
    ref.hidden = false;
    ref.textContent = 'The image could not be shown (this browser cannot display it). Skip it or escalate it.';
  };
  if (item.imageUrl) {
    img.hidden = false;
    img.src = item.imageUrl;
    ref.hidden = true;
  } else {
    img.hidden = true;
    img.removeAttribute('src');
    ref.hidden = false;
    ref.textContent = 'image not in the request; reference: ' + visible(item.imageRef || '(none)');
  }
  $('event-id').textContent = visible(item.eventId);
  $('model').textContent = visible(item.model);
  const reason = $('reason');
  reason.textContent = item.reason === 'AUDIT' ? 'audit' : 'uncertain';
  reason.className = 'badge ' + (item.reason === 'AUDIT' ? 'audit' : 'uncertain');
  $('reason-text').textContent = REASONS[item.reason] || visible(item.reason);
  const esc = $('escalation');
  esc.hidden = !item.escalatedBy;
  esc.textContent = item.escalatedBy
    ? 'Escalated by ' + visible(item.escalatedBy) + (item.escalationNote ? ': “' + visible(item.escalationNote) + '”' : '')
    : '';
  $('plain').textContent = visible(plainSentence(item).text);

  const top = document.querySelector('#top-k tbody');
  clear(top);
  if (item.reason === 'AUDIT') {
    top.appendChild(el('tr', { class: 'blind' }, el('td', { colspan: '3' }, 'hidden for audits')));
  }
  for (const s of item.topK) {
    const bar = el('span', { class: 'bar' });
    bar.style.width = Math.round(100 * s.probability) + '%';
    top.appendChild(el('tr', { class: 'top-k-row' },
      el('td', { class: 'class-id' }, s.classId),
      el('td', {}, el('span', { class: 'barwrap' }, bar), ' ', pct(s.probability)),
      el('td', {}, '± ' + fmt(s.logitStd, 2))));
  }
  const unc = document.querySelector('#uncertainty tbody');
  clear(unc);
  if (item.reason === 'AUDIT') {
    unc.appendChild(el('tr', { class: 'blind' }, el('td', { colspan: '2' }, 'hidden for audits')));
  }
  for (const [name, value] of Object.entries(item.uncertainty || {})) {
    unc.appendChild(el('tr', { class: name === item.routingScore ? 'routing' : null },
      el('td', {}, name + (name === item.routingScore ? ' (routing score)' : '')), el('td', {}, fmt(value))));
  }
  renderClasses();
  tickLease();
  status('');
}

function renderClasses() {
  const box = $('classes');
  clear(box);
  keyToClass = {};
  const filter = $('filter').value.toLowerCase();
  const classes = current.classes.filter((c) => c.toLowerCase().includes(filter));
  const guesses = plainSentence(current).guesses;
  const keyOf = {};
  const button = (c, key) => {
    const b = el('button', { class: 'class-button' + (guesses.includes(c) ? ' suggested' : ''), 'data-class': c },
      key ? el('kbd', {}, key) : null, ' ', c);
    b.addEventListener('click', () => label(c));
    return b;
  };
  classes.forEach((c, i) => {
    const key = KEYS[i];
    if (key) {
      keyToClass[key] = c;
      keyOf[c] = key;
    }
    box.appendChild(button(c, key));
  });
  // the model's guesses pinned above the list, with the same keys as in it (keys never move between items)
  const pinned = $('guesses');
  clear(pinned);
  for (const g of guesses.filter((c) => classes.includes(c))) pinned.appendChild(button(g, keyOf[g]));
  $('no-match').hidden = classes.length > 0;
}

function label(classId) {
  if (!current) return;
  const entry = { eventId: current.eventId, label: classId, at: Date.now(), state: 'waiting', item: current };
  current = null; // a second key before the next item shows labels nothing
  history.unshift(entry);
  entry.timer = setTimeout(() => send(entry), UNDO_MS);
  save();
  $('filter').value = '';
  toast(entry);
  loadNext();
}

async function send(entry) {
  clearTimeout(entry.timer);
  entry.state = 'sending';
  entry.error = null;
  save();
  let r;
  try {
    r = await api('POST', '/api/items/' + encodeURIComponent(entry.eventId) + '/label', { label: entry.label });
  } catch (e) {
    r = { status: 0, data: { error: 'no connection' } };
  }
  if (r.status === 200) {
    entry.state = 'sent';
    // correctable by its labeller until the lease it was labelled under ends
    entry.correctableUntil = r.data.leaseUntil;
    entry.classes = r.data.classes;
    delete entry.item;
  } else {
    entry.state = 'failed';
    entry.offline = r.status === 0;
    entry.error = (r.status ? 'HTTP ' + r.status + ': ' : '') + ((r.data && r.data.error) || 'no reason given');
  }
  save();
  refreshCounts();
  refreshFigures();
}

function undo() {
  const entry = history.find((h) => h.state === 'waiting');
  if (!entry) return;
  clearTimeout(entry.timer);
  history.splice(history.indexOf(entry), 1);
  save();
  navigation++;
  if (entry.item) show(entry.item); // still held: the label never left (the item shown meanwhile stays held too)
  status('Undone: "' + visible(entry.label) + '" was not sent.');
}

async function skip() {
  if (!current) return;
  const item = current;
  current = null;
  await api('POST', '/api/items/' + encodeURIComponent(item.eventId) + '/skip').catch(() => null);
  loadNext();
}

function openEscalate() {
  if (!current) return;
  $('escalate-form').hidden = false;
  $('escalate-note').focus();
}

function closeEscalate() {
  $('escalate-form').hidden = true;
  $('escalate-note').value = '';
  $('escalate-note').blur();
}

async function escalate() {
  if (!current) return;
  const item = current;
  const note = $('escalate-note').value;
  closeEscalate();
  current = null;
  let r;
  try {
    r = await api('POST', '/api/items/' + encodeURIComponent(item.eventId) + '/escalate', { note });
  } catch (e) {
    r = { status: 0, data: { error: 'no connection' } };
  }
  if (r.status !== 200) {
    show(item);
    status('Not escalated: ' + (r.data && r.data.error) + '. Try again, or label or skip it.');
    return;
  }
  status('Sent to the escalated queue.');
  loadNext();
}

async function showEscalated() {
  const box = $('escalated');
  box.hidden = !box.hidden;
  if (box.hidden) return;
  const list = $('escalated-list');
  clear(list);
  const r = await api('GET', '/api/queue/escalated').catch(() => null);
  if (!r || r.status !== 200) {
    list.appendChild(el('li', {}, 'Could not load the escalated queue.'));
    return;
  }
  if (r.data.length === 0) list.appendChild(el('li', { class: 'muted' }, 'Nothing escalated.'));
  for (const e of r.data) {
    const take = el('button', { class: 'secondary' }, 'Take');
    take.addEventListener('click', () => takeEscalated(e.eventId));
    list.appendChild(el('li', {}, take, ' ', el('code', {}, e.eventId), ' · by ', e.escalatedBy, ' ',
      el('span', { class: 'muted' }, new Date(e.escalatedAt).toLocaleTimeString()),
      e.note ? el('span', { class: 'note' }, ' “' + e.note + '”') : null));
  }
}

async function takeEscalated(id) {
  const r = await api('POST', '/api/items/' + encodeURIComponent(id) + '/claim').catch(() => null);
  if (r && r.status === 200) {
    $('escalated').hidden = true;
    navigation++;
    show(r.data);
  } else {
    status('Could not take it: ' + ((r && r.data && r.data.error) || 'no connection'));
  }
}

/** The countdown of the hold on the item, renewed while the reviewer is on the page. */
function tickLease() {
  const span = $('lease');
  if (!current || !current.leaseUntil) {
    span.textContent = '';
    return;
  }
  const left = current.leaseUntil - serverNow();
  if (left <= 0) {
    span.textContent = 'your hold has run out: another reviewer may take this item';
    span.className = 'lease out';
    return;
  }
  const s = Math.ceil(left / 1000);
  span.textContent = 'held for you: ' + Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0');
  span.className = left < 60000 ? 'lease low' : 'lease';
  const active = document.visibilityState === 'visible' && Date.now() - lastActivity < ACTIVE_MS;
  if (!renewing && left < leaseMillis / 2 && active) renew();
}

async function renew() {
  const item = current;
  renewing = true;
  try {
    const r = await api('POST', '/api/items/' + encodeURIComponent(item.eventId) + '/renew');
    if (r.status === 200 && current && current.eventId === item.eventId) {
      current.leaseUntil = r.data.leaseUntil;
    } else if (r.status !== 200) {
      status('This item is no longer held for you: ' + (r.data && r.data.error));
    }
  } catch (e) {
    // offline: the banner says so; the next tick tries again
  } finally {
    renewing = false;
  }
}

// ---- what the page remembers: the labels, in localStorage so a reload or a closed tab loses none

function storageKey() {
  return 'bayesvlm.labels.' + me.user;
}

function save() {
  const open = (h) => h.state !== 'sent';
  history = history.filter((h, i) => i < HISTORY_SHOWN || open(h));
  localStorage.setItem(storageKey(), JSON.stringify(history.map(
    ({ eventId, label: l, at, state, error, corrected }) => ({ eventId, label: l, at, state, error, corrected }))));
  renderHistory();
}

function restore() {
  try {
    history = JSON.parse(localStorage.getItem(storageKey()) || '[]');
  } catch (e) {
    history = [];
  }
  // labels the page had not confirmed when it closed go out now (a repeat of a sent one answers 200, same label)
  history.filter((h) => h.state === 'waiting' || h.state === 'sending').forEach(send);
  renderHistory();
}

function renderHistory() {
  const list = $('history');
  clear(list);
  const STATES = { waiting: 'sending in a moment (Undo)', sending: 'sending…', sent: '✓ sent', failed: '✗ not sent' };
  for (const h of history.slice(0, HISTORY_SHOWN)) {
    const li = el('li', { class: 'h-' + h.state, 'data-event': h.eventId },
      el('strong', {}, h.label), h.corrected ? ' (corrected)' : '', ' · ', el('code', {}, h.eventId), ' · ',
      STATES[h.state], ' · ', new Date(h.at).toLocaleTimeString());
    if (h.state === 'sent' && h.classes && h.correctableUntil > serverNow()) {
      const change = el('button', { class: 'link change' }, 'Change');
      change.addEventListener('click', () => openRelabel(h, li, change));
      li.appendChild(document.createTextNode(' '));
      li.appendChild(change);
    }
    list.appendChild(li);
  }
  const failed = history.filter((h) => h.state === 'failed');
  $('problems').hidden = failed.length === 0;
  const problems = $('problem-list');
  clear(problems);
  for (const h of failed) {
    const retry = el('button', { class: 'retry' }, 'Retry');
    retry.addEventListener('click', () => send(h));
    const dismiss = el('button', { class: 'secondary dismiss' }, 'Dismiss');
    dismiss.addEventListener('click', () => {
      history.splice(history.indexOf(h), 1);
      save();
    });
    problems.appendChild(el('li', { 'data-event': h.eventId }, el('strong', {}, h.label), ' for ',
      el('code', {}, h.eventId), ': ', h.error || 'not sent', ' ', retry, ' ', dismiss));
  }
  const waiting = history.find((h) => h.state === 'waiting');
  if (!waiting) $('toast').hidden = true;
}

/** A correction of a sent label, while its lease runs: a new label event that supersedes the first. */
function openRelabel(entry, li, button) {
  button.remove();
  const select = el('select', { class: 'relabel', 'aria-label': 'correct the label to' },
    ...entry.classes.map((c) => el('option', c === entry.label ? { value: c, selected: 'selected' } : { value: c }, c)));
  const ok = el('button', { class: 'secondary correct' }, 'Correct');
  ok.addEventListener('click', () => relabel(entry, select.value));
  li.append(' ', select, ' ', ok);
  select.focus();
}

async function relabel(entry, classId) {
  let r;
  try {
    r = await api('POST', '/api/items/' + encodeURIComponent(entry.eventId) + '/relabel', { label: classId });
  } catch (e) {
    r = { status: 0, data: { error: 'no connection' } };
  }
  if (r.status === 200) {
    if (classId !== entry.label) entry.corrected = true;
    entry.label = classId;
    status('Corrected: ' + visible(entry.eventId) + ' is now "' + visible(classId) + '".');
  } else {
    status('Not corrected: ' + (r.data && r.data.error));
  }
  save();
}

function toast(entry) {
  $('toast-text').textContent = 'Labelled "' + visible(entry.label) + '".';
  $('toast').hidden = false;
}

function status(text) {
  $('status').textContent = text;
}

function zoom(open) {
  const overlay = $('zoom');
  if (open && current && !$('image').hidden) {
    $('zoom-image').src = $('image').src;
    overlay.hidden = false;
  } else {
    overlay.hidden = true;
  }
}

function setOffline(offline) {
  $('offline').hidden = !offline;
  if (!offline) history.filter((h) => h.state === 'failed' && h.offline).forEach(send);
}

document.addEventListener('keydown', (ev) => {
  lastActivity = Date.now();
  const t = ev.target;
  if (t.tagName === 'TEXTAREA') {
    if (ev.key === 'Escape') closeEscalate();
    return;
  }
  if (t.tagName === 'INPUT' || t.tagName === 'SELECT' || ev.ctrlKey || ev.metaKey || ev.altKey) return;
  // a held key repeats: only the first press counts, so holding "3" labels one item, not the next ones too
  if (ev.repeat) {
    ev.preventDefault();
    return;
  }
  const overlays = [$('help'), $('zoom')].filter((o) => !o.hidden);
  if (overlays.length) {
    if (['Escape', '?', 'z', 'Z'].includes(ev.key)) overlays.forEach((o) => { o.hidden = true; });
    ev.preventDefault();
    return;
  }
  const k = ev.key.toLowerCase();
  if (ev.key === '?') {
    $('help').hidden = false;
  } else if (ev.key === SKIP_KEY) {
    skip();
  } else if (k === 'u') {
    undo();
  } else if (k === 'e') {
    openEscalate();
  } else if (k === 'z') {
    zoom(true);
  } else if (ev.key === '/') {
    $('filter').focus();
  } else if (keyToClass[k]) {
    label(keyToClass[k]);
  } else {
    return;
  }
  ev.preventDefault();
});
document.addEventListener('pointerdown', () => { lastActivity = Date.now(); });
$('skip').addEventListener('click', skip);
$('undo').addEventListener('click', undo);
$('escalate').addEventListener('click', openEscalate);
$('escalate-cancel').addEventListener('click', closeEscalate);
$('escalate-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  escalate();
});
$('show-escalated').addEventListener('click', showEscalated);
$('help-button').addEventListener('click', () => { $('help').hidden = false; });
$('help').addEventListener('click', () => { $('help').hidden = true; });
$('image').addEventListener('click', () => zoom(true));
$('zoom').addEventListener('click', () => zoom(false));
$('filter').addEventListener('input', () => current && renderClasses());
$('filter').addEventListener('keydown', (ev) => {
  const filter = $('filter');
  if (ev.key === 'Enter' && current) {
    const first = Object.values(keyToClass)[0];
    // the filter lets go of the keyboard either way: the next key labels or skips again
    filter.value = '';
    filter.blur();
    if (first) label(first);
    else renderClasses();
  } else if (ev.key === 'Escape') {
    filter.value = '';
    filter.blur();
    if (current) renderClasses();
  }
});
window.addEventListener('offline', () => setOffline(true));
window.addEventListener('online', () => setOffline(false));
window.addEventListener('bayesvlm-network', (ev) => setOffline(!ev.detail.ok));
// Closing the tab inside an undo window: the label goes out anyway (and is resent at the next load if unconfirmed).
window.addEventListener('pagehide', () => {
  for (const h of history.filter((x) => x.state === 'waiting')) {
    clearTimeout(h.timer);
    fetch('/api/items/' + encodeURIComponent(h.eventId) + '/label', {
      method: 'POST', keepalive: true, credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ label: h.label }),
    });
  }
});

whoAmI().then((who) => {
  me = who;
  if (me.role !== 'reviewer') {
    location.href = '/dashboard';
    return;
  }
  restore();
  loadNext();
  refreshFigures();
  setInterval(refreshCounts, 5000);
  setInterval(refreshFigures, 30000);
  setInterval(tickLease, 1000);
});
