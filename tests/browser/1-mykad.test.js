// (1) A type-00 MyKad link on a phone: consent, document by camera, the challenge followed,
// done, back at redirect_url with is_success=1 — and the record says so.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const fs = require('node:fs');
const L = require('./lib');

test('type 00: MyKad and a selfie that follows the challenge end at redirect_url with is_success=1', async (t) => {
  const face = L.mykadFace();
  if (!face) return t.skip(`no ${L.SHARED}/faces-pairs (the MyKad portrait's LFW face): set EKYCD_SHARED_DATA`);
  const redirect = await L.redirectServer();
  const video = path.join(L.WORK, 'mykad', 'camera.y4m');
  fs.mkdirSync(path.dirname(video), { recursive: true });
  const browser = await L.launch(video);
  let videos = { settle: async () => {} };
  try {
    const link = await L.createLink({ type: '00', id_country: 'MYS', id_type: 'ID_CARD', redirect_url: redirect.url });
    const { page } = await L.openPage(browser);
    const step = L.stepper(page, 'mykad');
    videos = L.challengeVideos(video, face);
    const how = [];
    const challenges = await L.onChallenge(page, async (ch) => how.push(await videos.take(ch.actions, ch.step_ms)));

    await videos.settle(); // rendered before the clock starts
    const t0 = Date.now();
    await page.goto(link.url);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    await L.mykadDocument(page, step, video);

    await step('selfie-intro');
    await page.getByRole('button', { name: 'I am ready' }).click();
    await step('challenge', { wait: 2500, label: 'challenge-1' });
    await page.waitForTimeout(2500);
    await step('challenge', { label: 'challenge-2', axeCheck: false });
    await page.waitForSelector('body[data-screen="processing"], body[data-screen="done"], body[data-screen="retry"], body[data-screen="failed"]', { timeout: 90000 });
    assert.deepEqual(challenges.errors, [], 'writing the challenge video failed');
    const screen = await page.$eval('body', (b) => b.dataset.screen);
    if (screen === 'processing') await step('processing');
    await page.waitForSelector('body[data-screen="done"], body[data-screen="retry"], body[data-screen="failed"]', { timeout: 120000 });
    const end = await page.$eval('body', (b) => b.dataset.screen);
    if (end !== 'done') {
      await step(end);
      const why = await page.$eval('main', (m) => m.innerText);
      assert.fail(`the challenge ${JSON.stringify(challenges.map((c) => c.actions))} was not passed: ${why}`);
    }
    await step('done');
    const landed = await L.waitForRedirect(page, redirect);
    const ms = Date.now() - t0;
    assert.equal(landed.searchParams.get('is_success'), '1');
    assert.equal(landed.searchParams.get('token'), link.token);
    L.checkProblems(page, step);

    const rec = await L.getLink(link.token);
    assert.equal(rec.status, 200, rec.text);
    assert.equal(rec.json.result.is_success, 1, rec.text);
    assert.equal(rec.json.result.ocr_success, 1);
    assert.equal(rec.json.result.face_id_success, 1);
    t.diagnostic(`type-00 flow: ${(ms / 1000).toFixed(1)} s from opening the link to the redirect ` +
      `(challenge ${challenges[challenges.length - 1].actions.join(',')}, step_ms ${challenges[0].step_ms}, video ${how.join(',')})`);
  } finally {
    await videos.settle();
    await browser.close();
    await redirect.close();
  }
});
