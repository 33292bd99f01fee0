'use strict';
// Shared by every page. Untrusted text (class ids, event ids, metadata) only ever enters the page through
// text nodes (el() below, textContent); nothing here assigns innerHTML.

const SVG_NS = 'http://www.w3.org/2000/svg';

// Bidirectional overrides and invisible format characters in untrusted text would let a class id display as
// another ("cat\u202Egod" shows as "catdog"): shown text makes each visible as <U+XXXX>. Attributes (the values
// sent back to the API, such as data-class) keep the text as it is.
const INVISIBLE = /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;

function visible(text) {
  return String(text).replace(INVISIBLE, (ch) => '<U+' + ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0') + '>');
}

/** An element with attributes and children; string children become text nodes (invisible characters shown). */
function el(tag, attrs, ...children) {
  const svg = ['svg', 'g', 'rect', 'line', 'polyline', 'polygon', 'circle', 'text', 'path', 'title'].includes(tag);
  const e = svg ? document.createElementNS(SVG_NS, tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== null && v !== undefined) e.setAttribute(k, String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(visible(c)) : c);
  }
  return e;
}

function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

// The service's clock minus this browser's (from the Date header of its answers): lease countdowns use the
// service's time, so a browser whose clock is off does not show a hold that has already run out.
let serverSkew = 0;

function serverNow() {
  return Date.now() + serverSkew;
}

/**
 * fetch() of the API as JSON; a missing sign-in goes to the login page. An answer that is not JSON (a proxy's HTML
 * error page) becomes an error the page can show; no connection at all throws, after telling the page
 * ('bayesvlm-network' event) so that it can show that it is offline.
 */
async function api(method, path, body) {
  const opts = { method, headers: {}, credentials: 'same-origin' };
  if (method === 'POST') {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body || {});
  }
  let r;
  try {
    r = await fetch(path, opts);
  } catch (e) {
    window.dispatchEvent(new CustomEvent('bayesvlm-network', { detail: { ok: false } }));
    throw e;
  }
  window.dispatchEvent(new CustomEvent('bayesvlm-network', { detail: { ok: true } }));
  const date = Date.parse(r.headers.get('Date') || '');
  if (!Number.isNaN(date)) serverSkew = date - Date.now();
  if (r.status === 401) {
    location.href = '/login?next=' + encodeURIComponent(location.pathname);
    return new Promise(() => {}); // the page is leaving; nothing more to do here
  }
  const text = await r.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch (e) {
      data = { error: 'an unexpected answer (HTTP ' + r.status + ', ' + (r.headers.get('Content-Type') || 'no type')
        + '), perhaps from a proxy' };
    }
  }
  return { status: r.status, data };
}

async function whoAmI() {
  const me = await api('GET', '/api/me');
  document.getElementById('user').textContent = visible(me.data.user) + ' (' + me.data.role + ')';
  document.getElementById('sign-out').addEventListener('click', async () => {
    await api('POST', '/api/logout');
    location.href = '/login';
  });
  return me.data;
}

function fmt(x, digits) {
  return x === null || x === undefined || Number.isNaN(x) ? '–' : Number(x).toFixed(digits === undefined ? 3 : digits);
}

function pct(x) {
  return x === null || x === undefined ? '–' : (100 * x).toFixed(1) + '%';
}
