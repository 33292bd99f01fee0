// The review UI in a real headless Chromium (Debian's), driven by Playwright. Run by ReviewUiBrowserITCase with
// BASE_URL, CHROMIUM, SHOTS (screenshot folder). Prints one JSON line with what it did; exits non-zero on failure.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';

const base = process.env.BASE_URL;
const shots = process.env.SHOTS;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, args: ['--no-sandbox'] });
const result = {};
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('dialog', (d) => { errors.push('dialog opened: ' + d.message()); d.dismiss(); });

  // Not signed in: the API says 401 and the page goes to the sign-in form.
  await page.goto(base + '/review');
  await page.waitForURL(/\/login/);
  await page.fill('#username', 'alice');
  await page.fill('#password', 'wrong');
  await page.click('#sign-in');
  await page.waitForSelector('#login-error:has-text("Wrong")');
  await page.fill('#password', 'alice');
  await page.click('#sign-in');
  await page.waitForURL(/\/review$/);

  // The most uncertain item, with its image.
  await page.waitForSelector('#item:not([hidden])');
  assert.equal(await page.textContent('#event-id'), 'uncertain-1');
  await page.waitForFunction(() => {
    const img = document.getElementById('image');
    return img.complete && img.naturalWidth > 0;
  });
  result.imageWidth = await page.evaluate(() => document.getElementById('image').naturalWidth);
  result.remainingBefore = await page.textContent('#remaining');
  await page.screenshot({ path: shots + '/review.png', fullPage: true });

  // Press the key shown on the "coat" button: the label goes out and the next item appears.
  const key = (await page.textContent('.class-button[data-class="coat"] kbd')).trim();
  result.key = key;
  // Held for a second (the key repeats): one label, not one per repeat.
  await page.keyboard.down(key);
  for (let i = 0; i < 10; i++) {
    await page.waitForTimeout(100);
    await page.keyboard.down(key); // a repeat (KeyboardEvent.repeat = true)
  }
  await page.keyboard.up(key);
  await page.waitForFunction(() => document.getElementById('event-id').textContent !== 'uncertain-1');
  result.labelled = { eventId: 'uncertain-1', classId: 'coat' };
  // the label waits out its undo window on screen, then is confirmed in "my last labels"
  result.toastShown = await page.isVisible('#toast');
  await page.waitForSelector('#history li.h-sent[data-event="uncertain-1"]', { timeout: 15000 });
  await page.waitForFunction(() => document.getElementById('remaining').textContent.includes('1 labelled'));
  // A mistake corrected from "my last labels" while the lease runs: a second label event that supersedes the first.
  await page.click('#history li[data-event="uncertain-1"] button.change');
  await page.selectOption('#history li[data-event="uncertain-1"] select.relabel', 'pullover');
  await page.click('#history li[data-event="uncertain-1"] button.correct');
  await page.waitForFunction(() => document.querySelector('#history li[data-event="uncertain-1"]')
    .textContent.startsWith('pullover (corrected)'));
  result.corrected = await page.textContent('#history li[data-event="uncertain-1"]');
  await page.evaluate(() => document.activeElement && document.activeElement.blur());

  // The next item's class ids and metadata are hostile HTML: they must show as text and never run.
  assert.equal(await page.textContent('#event-id'), '<img src=x onerror="window.__pwned=1">');
  const hostile = '<script>window.__pwned=2</script>';
  const buttons = await page.$$eval('.class-button', (bs) => bs.map((b) => b.getAttribute('data-class')));
  assert.ok(buttons.includes(hostile), 'the hostile class id is a button: ' + JSON.stringify(buttons));
  const shown = await page.textContent('.class-button[data-class="' + hostile.replace(/"/g, '\\"') + '"]');
  assert.ok(shown.includes(hostile), 'rendered as text: ' + shown);
  assert.ok((await page.textContent('#top-k')).includes(hostile));
  // A right-to-left override in a class id is shown, not obeyed; the button still labels with the id as it is.
  const bidi = 'cat\u202Egod';
  assert.ok(buttons.includes(bidi), 'the bidi class id is a button: ' + JSON.stringify(buttons));
  const bidiShown = await page.textContent('.class-button[data-class="' + bidi + '"]');
  assert.ok(bidiShown.includes('cat<U+202E>god'), 'the override is visible: ' + JSON.stringify(bidiShown));
  assert.ok(!bidiShown.includes('\u202E'), 'no raw override in the text: ' + JSON.stringify(bidiShown));
  assert.equal(await page.$$eval('#review script, #review img:not(#image)', (n) => n.length), 0);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  result.hostileRenderedAsText = true;
  // a 300-character class name wraps: the page is no wider than the window
  result.pageWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  result.windowWidth = await page.evaluate(() => window.innerWidth);
  await page.screenshot({ path: shots + '/hostile-item.png', fullPage: true });
  result.remainingAfter = await page.textContent('#remaining');

  // The plain sentence names the classes the model is torn between, and their buttons are pinned above the list.
  result.plainSentence = await page.textContent('#plain');
  result.pinned = await page.$$eval('#guesses .class-button', (bs) => bs.map((b) => b.getAttribute('data-class')));

  // Undo within the window: the item comes back and nothing is sent.
  await page.keyboard.press(key);
  await page.waitForSelector('#toast:not([hidden])');
  await page.keyboard.press('u');
  await page.waitForFunction(() => document.getElementById('event-id').textContent.startsWith('<img'));
  result.undoneHistory = await page.$$eval('#history li', (n) => n.length);
  await page.waitForTimeout(5000); // past the window: still nothing sent (checked on the labels topic too)
  result.afterUndoHistory = await page.$$eval('#history li', (n) => n.length);

  // Skipping the hostile item brings the audit: blind, no model output on the page.
  await page.click('#skip');
  await page.waitForFunction(() => document.getElementById('event-id').textContent === 'audit-1');
  result.auditTopK = await page.textContent('#top-k');
  result.auditTopKRows = await page.$$eval('.top-k-row', (n) => n.length);
  result.auditUncertaintyRows = await page.$$eval('#uncertainty tbody tr', (n) => n.length);
  result.auditUncertainty = await page.textContent('#uncertainty');
  result.auditPlain = await page.textContent('#plain');
  result.auditPinned = await page.$$eval('#guesses .class-button', (n) => n.length);
  await page.screenshot({ path: shots + '/audit-item.png', fullPage: true });

  // Zoom: Z shows the image across the screen; Escape closes it.
  await page.keyboard.press('z');
  await page.waitForSelector('#zoom:not([hidden])');
  result.zoomedWidth = await page.evaluate(() => document.getElementById('zoom-image').getBoundingClientRect().width);
  await page.screenshot({ path: shots + '/zoom.png' });
  await page.keyboard.press('Escape');
  result.zoomClosed = await page.isHidden('#zoom');

  // ? shows the shortcuts
  await page.keyboard.press('?');
  result.helpShown = await page.isVisible('#help');
  await page.keyboard.press('Escape');

  // The class filter lets go of the keyboard on Escape.
  await page.click('#filter');
  await page.keyboard.type('zzz');
  await page.keyboard.press('Escape');
  result.filterReleased = await page.evaluate(
    () => document.activeElement.id !== 'filter' && document.getElementById('filter').value === '');

  // A refused label (a 409 as a proxy would pass it on) stays on screen with Retry; nothing is dropped.
  await page.route('**/api/items/audit-1/label', (route) => route.fulfill({ status: 409,
    contentType: 'application/json', body: JSON.stringify({ error: 'already labelled by someone else' }) }));
  const dressKey = (await page.textContent('#classes .class-button[data-class="dress"] kbd')).trim();
  await page.keyboard.press(dressKey);
  await page.waitForSelector('#problems:not([hidden]) li[data-event="audit-1"]', { timeout: 15000 });
  result.conflictShown = await page.textContent('#problems');
  await page.unroute('**/api/items/audit-1/label');
  // ... then the network goes: the retry fails, the page says it is offline, and the label is still kept
  await context.setOffline(true);
  await page.click('#problems li[data-event="audit-1"] .retry');
  await page.waitForSelector('#offline:not([hidden])');
  await page.waitForFunction(() => document.querySelector('#problems li[data-event="audit-1"]')?.textContent
    .includes('no connection'));
  result.offlineShown = await page.textContent('#offline');
  await page.screenshot({ path: shots + '/offline.png', fullPage: true });
  // back online: the kept label goes out by itself
  await context.setOffline(false);
  await page.waitForSelector('#history li.h-sent[data-event="audit-1"]', { timeout: 15000 });
  result.problemsAfter = await page.isHidden('#problems');
  result.offlineAfter = await page.isHidden('#offline');

  // Unsure: escalate uncertain-2 with a note; it leaves the review queue for the escalated one, where it is taken.
  await page.waitForFunction(() => document.getElementById('event-id').textContent === 'uncertain-2'
    && !document.getElementById('item').hidden);
  await page.keyboard.press('e');
  await page.fill('#escalate-note', 'a logo <b>or</b> text?');
  await page.click('#escalate-form button[type=submit]');
  await page.waitForSelector('#empty:not([hidden])');
  await page.waitForFunction(() => document.getElementById('escalated-count').textContent === '1', null,
    { timeout: 15000 });
  await page.click('#show-escalated');
  await page.waitForSelector('#escalated-list li button');
  result.escalatedList = await page.textContent('#escalated-list');
  await page.click('#escalated-list li button');
  await page.waitForFunction(() => document.getElementById('event-id').textContent === 'uncertain-2'
    && !document.getElementById('item').hidden);
  result.escalation = await page.textContent('#escalation');
  await page.screenshot({ path: shots + '/escalated-item.png', fullPage: true });
  const trouserKey = (await page.textContent('#classes .class-button[data-class="trouser"] kbd')).trim();
  await page.keyboard.press(trouserKey);
  await page.waitForSelector('#history li.h-sent[data-event="uncertain-2"]', { timeout: 15000 });
  await page.waitForFunction(() => document.getElementById('figures').textContent.includes('3 labels'), null,
    { timeout: 40000 });
  result.figures = await page.textContent('#figures');
  await page.screenshot({ path: shots + '/history.png', fullPage: true });

  // The dashboard: a reliability diagram with data, ECE over time, the alert.
  await page.goto(base + '/dashboard');
  await page.waitForFunction(() => Number(document.getElementById('diagram-bayes').getAttribute('data-bars')) > 0);
  result.bayesBars = Number(await page.getAttribute('#diagram-bayes', 'data-bars'));
  result.mapBars = Number(await page.getAttribute('#diagram-map', 'data-bars'));
  result.eceLines = await page.$$eval('#ece-chart polyline', (n) => n.length);
  result.alertShown = await page.isVisible('#alert');
  result.alertText = await page.textContent('#alert');
  result.modelOption = await page.textContent('#model option');
  result.alertRole = await page.getAttribute('#alert', 'role');
  result.thresholdLines = await page.$$eval('#ece-chart line.threshold', (n) => n.length);
  result.intervalBands = await page.$$eval('#ece-chart polygon.interval', (n) => n.length);
  result.timeTicks = await page.$$eval('#ece-chart text.axis', (n) => n.filter((t) => /\d\d:\d\d/.test(t.textContent)).length);
  result.eceTableRows = await page.$$eval('#ece-table tr', (n) => n.length);
  result.binsTableRows = await page.$$eval('#bins-table tr', (n) => n.length);
  result.eceAria = await page.getAttribute('#ece-chart', 'aria-label');
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  await page.screenshot({ path: shots + '/dashboard.png', fullPage: true });

  // Dark mode follows the system's preference.
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(base + '/review');
  await page.waitForSelector('#history li');
  result.darkBackground = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  await page.screenshot({ path: shots + '/dark-review.png', fullPage: true });

  assert.deepEqual(errors, []);
  console.log(JSON.stringify(result));
} catch (e) {
  // what the page showed when it failed, for whoever reads the test's output
  for (const p of browser.contexts().flatMap((c) => c.pages())) {
    await p.screenshot({ path: shots + '/failure.png', fullPage: true }).catch(() => {});
    console.error('page at failure: ' + (await p.innerText('body').catch(() => '(unreadable)')));
  }
  throw e;
} finally {
  await browser.close();
}
