// The review UI in a real headless Chromium (Debian's), driven by Playwright. Run by ReviewUiBrowserITCase with
// BASE_URL, CHROMIUM, SHOTS (screenshot folder). Prints one JSON line with what it did; exits non-zero on failure.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';

const base = process.env.BASE_URL;
const shots = process.env.SHOTS;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, args: ['--no-sandbox'] });
const result = {};
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
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
  await page.screenshot({ path: shots + '/hostile-item.png', fullPage: true });
  result.remainingAfter = await page.textContent('#remaining');

  // Skipping the hostile item brings the audit: blind, no model output on the page.
  await page.click('#skip');
  await page.waitForFunction(() => document.getElementById('event-id').textContent === 'audit-1');
  result.auditTopK = await page.textContent('#top-k');
  result.auditTopKRows = await page.$$eval('.top-k-row', (n) => n.length);
  result.auditUncertaintyRows = await page.$$eval('#uncertainty tbody tr', (n) => n.length);
  result.auditUncertainty = await page.textContent('#uncertainty');
  await page.screenshot({ path: shots + '/audit-item.png', fullPage: true });

  // The class filter lets go of the keyboard on Escape.
  await page.click('#filter');
  await page.keyboard.type('zzz');
  await page.keyboard.press('Escape');
  result.filterReleased = await page.evaluate(
    () => document.activeElement.id !== 'filter' && document.getElementById('filter').value === '');

  // The dashboard: a reliability diagram with data, ECE over time, the alert.
  await page.goto(base + '/dashboard');
  await page.waitForFunction(() => Number(document.getElementById('diagram-bayes').getAttribute('data-bars')) > 0);
  result.bayesBars = Number(await page.getAttribute('#diagram-bayes', 'data-bars'));
  result.mapBars = Number(await page.getAttribute('#diagram-map', 'data-bars'));
  result.eceLines = await page.$$eval('#ece-chart polyline', (n) => n.length);
  result.alertShown = await page.isVisible('#alert');
  result.alertText = await page.textContent('#alert');
  result.modelOption = await page.textContent('#model option');
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  await page.screenshot({ path: shots + '/dashboard.png', fullPage: true });

  assert.deepEqual(errors, []);
  console.log(JSON.stringify(result));
} finally {
  await browser.close();
}
