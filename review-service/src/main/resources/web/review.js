'use strict';
// The reviewer's page: the next item (claimed for this reviewer), one key per class, labels go out at once.

const SKIP_KEY = ' ';
// Keys for classes in order: digits, then letters (the space bar skips).
const KEYS = '1234567890abcdefghijklmnopqrstuvwxyz'.split('');

let current = null;     // the item on screen
let keyToClass = {};
let busy = false;
let pollTimer = null;

const REASONS = {
  UNCERTAIN: 'the model is unsure about this one',
  AUDIT: "a random audit: the model's view is hidden, so your label is your own (the guarantees rest on it)",
};

async function loadNext() {
  clearTimeout(pollTimer);
  const r = await api('POST', '/api/queue/next');
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
  const r = await api('GET', '/api/queue');
  if (r.status === 200) {
    const c = r.data;
    document.getElementById('remaining').textContent =
      c.pending + ' left (' + c['pending-uncertain'] + ' uncertain, ' + c['pending-audit'] + ' audits) · '
      + c.claimed + ' in review · ' + c.done + ' labelled';
  }
}

function show(item) {
  current = item;
  document.getElementById('empty').hidden = item !== null;
  document.getElementById('item').hidden = item === null;
  document.getElementById('choices').hidden = item === null;
  if (!item) return;

  const img = document.getElementById('image');
  const ref = document.getElementById('image-ref');
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
  document.getElementById('event-id').textContent = visible(item.eventId);
  document.getElementById('model').textContent = visible(item.model);
  const reason = document.getElementById('reason');
  reason.textContent = item.reason === 'AUDIT' ? 'audit' : 'uncertain';
  reason.className = 'badge ' + (item.reason === 'AUDIT' ? 'audit' : 'uncertain');
  document.getElementById('reason-text').textContent = REASONS[item.reason] || item.reason;

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
      el('td', {}, name + (name === item.routingScore ? ' (routed on)' : '')), el('td', {}, fmt(value))));
  }
  renderClasses();
  status('');
}

function renderClasses() {
  const box = document.getElementById('classes');
  clear(box);
  keyToClass = {};
  const filter = document.getElementById('filter').value.toLowerCase();
  const classes = current.classes.filter((c) => c.toLowerCase().includes(filter));
  classes.forEach((c, i) => {
    const key = KEYS[i];
    if (key) keyToClass[key] = c;
    const b = el('button', { class: 'class-button', 'data-class': c }, key ? el('kbd', {}, key) : null, ' ', c);
    b.addEventListener('click', () => label(c));
    box.appendChild(b);
  });
}

async function label(classId) {
  if (!current || busy) return;
  busy = true;
  const item = current;
  status('Labelling ' + classId + '…');
  try {
    const r = await api('POST', '/api/items/' + encodeURIComponent(item.eventId) + '/label', { label: classId });
    if (r.status === 200) {
      status('Labelled ' + classId + '.');
    } else {
      status('Not labelled: ' + (r.data && r.data.error));
    }
    document.getElementById('filter').value = '';
    await loadNext();
  } finally {
    busy = false;
  }
}

async function skip() {
  if (!current || busy) return;
  busy = true;
  try {
    await api('POST', '/api/items/' + encodeURIComponent(current.eventId) + '/skip');
    await loadNext();
  } finally {
    busy = false;
  }
}

function status(text) {
  document.getElementById('status').textContent = text;
}

document.addEventListener('keydown', (ev) => {
  if (ev.target.id === 'filter' || ev.ctrlKey || ev.metaKey || ev.altKey) return;
  // a held key repeats: only the first press counts, so holding "3" labels one item, not the next ones too
  if (ev.repeat) {
    ev.preventDefault();
    return;
  }
  if (ev.key === SKIP_KEY) {
    ev.preventDefault();
    skip();
  } else if (keyToClass[ev.key.toLowerCase()]) {
    ev.preventDefault();
    label(keyToClass[ev.key.toLowerCase()]);
  }
});
document.getElementById('skip').addEventListener('click', skip);
document.getElementById('filter').addEventListener('input', renderClasses);
document.getElementById('filter').addEventListener('keydown', (ev) => {
  const filter = document.getElementById('filter');
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
    renderClasses();
  }
});

whoAmI().then((me) => {
  if (me.role !== 'reviewer') {
    location.href = '/dashboard';
    return;
  }
  loadNext();
  setInterval(refreshCounts, 5000);
});
