// (4) An expired link: the page says so (410 expired), and the record stays readable.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const L = require('./lib');

test('an expired link shows "This link has expired"', async (t) => {
  // run.sh made a one-minute link (account "brief", --link-minutes 1) before the other tests.
  let token = process.env.EKYCD_BROWSER_EXPIRING;
  if (!token) {
    token = (await L.createLink({ type: '00', id_country: 'MYS', id_type: 'ID_CARD', redirect_url: 'https://merchant.example/cb' }, 'C')).token;
  }
  const rec = await L.getLink(token, 'C');
  assert.equal(rec.status, 200, rec.text);
  const wait = Date.parse(rec.json.result.expire_at) - Date.now() + 1500;
  assert.ok(wait < 62000, `the link lives longer than a minute: ${rec.json.result.expire_at}`);
  if (wait > 0) {
    t.diagnostic(`waiting ${(wait / 1000).toFixed(0)} s for the link to expire`);
    await new Promise((r) => setTimeout(r, wait));
  }
  const browser = await L.launch(path.join(L.WORK, 'expired', 'camera.y4m'));
  try {
    const { page } = await L.openPage(browser);
    const step = L.stepper(page, 'expired');
    await page.goto(`${L.BASE()}/verifications?token=${token}`);
    await step('expired');
    assert.match(await page.$eval('main h1', (h) => h.innerText), /This link has expired/);
    L.checkProblems(page, step);
  } finally {
    await browser.close();
  }
  // The page's own endpoints answer 410 expired on it.
  for (const [method, p, body] of [['POST', '/api/h5/document', { image: 'AA==' }], ['POST', '/api/h5/challenge', {}]]) {
    const r = await L.call(method, `${L.BASE()}${p}`, { headers: { authorization: `Bearer ${token}` }, body });
    assert.equal(r.status, 410, `${p}: ${r.text}`);
    assert.equal(r.json.code, 'expired', r.text);
  }
  const after = await L.getLink(token, 'C');
  assert.equal(after.status, 200, after.text);
  assert.ok(Date.parse(after.json.result.expire_at) < Date.now());
});

test('a link that expires during the capture: the upload answered 410 shows the expired page', async (t) => {
  const expired = process.env.EKYCD_BROWSER_EXPIRING;
  if (!expired) return t.skip('needs the one-minute link run.sh makes');
  const video = path.join(L.WORK, 'expired', 'camera.y4m');
  const browser = await L.launch(video);
  L.documentVideo(video, L.MYKAD);
  try {
    const link = await L.createLink({ type: '00', id_country: 'MYS', id_type: 'ID_CARD', redirect_url: 'https://merchant.example/cb' });
    const { page } = await L.openPage(browser);
    const step = L.stepper(page, 'expired-during');
    // The upload goes out with the expired link's token: the real server's 410 reaches the page
    // as it would when a link runs out between two steps.
    await page.route('**/api/h5/document', (route) => route.continue({
      headers: { ...route.request().headers(), authorization: `Bearer ${expired}` },
    }));
    await page.goto(link.url);
    await page.getByRole('button', { name: 'Start' }).click();
    await page.getByRole('button', { name: 'Open camera' }).click();
    await page.waitForSelector('[data-act="shoot"]:not([disabled])', { timeout: 20000 });
    await page.getByRole('button', { name: 'Take photo' }).click();
    await page.getByRole('button', { name: 'Use this photo' }).click();
    await step('expired');
    assert.match(await page.$eval('main h1', (h) => h.innerText), /This link has expired/);
    L.checkProblems(page, step);
  } finally {
    await browser.close();
  }
});
