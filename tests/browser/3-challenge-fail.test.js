// (3) A type-00 link whose selfie is a still photo: the challenge fails, the page says why and
// offers the one retry, the retry fails too, and the page ends at redirect_url with is_success=0.
// Also: the link opened again resumes at the selfie; the browser asks for reduced motion.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const L = require('./lib');

test('type 00: a still selfie fails the challenge twice and ends with is_success=0', async (t) => {
  const face = L.mykadFace();
  if (!face) return t.skip(`no ${L.SHARED}/faces-pairs (the MyKad portrait's LFW face): set EKYCD_SHARED_DATA`);
  const redirect = await L.redirectServer();
  const video = path.join(L.WORK, 'still', 'camera.y4m');
  const browser = await L.launch(video);
  let videos = { settle: async () => {} };
  try {
    const link = await L.createLink({ type: '00', id_country: 'MYS', id_type: 'ID_CARD', redirect_url: redirect.url });
    const { page } = await L.openPage(browser, { reducedMotion: 'reduce' });
    const step = L.stepper(page, 'challenge-fail');
    videos = L.challengeVideos(video, face, { still: true, extra: ['--still'] });
    const challenges = await L.onChallenge(page, (ch) => videos.take(ch.actions, ch.step_ms));
    await videos.settle(); // rendered before the clock starts
    await page.goto(link.url);
    await L.mykadDocument(page, step, video);

    await step('selfie-intro');
    // Resume: the link, opened again, goes straight to the selfie after the welcome.
    await page.reload();
    await step('welcome', { label: 'welcome-resumed' });
    await page.getByRole('button', { name: 'Start' }).click();
    await step('selfie-intro', { label: 'selfie-intro-resumed' });
    await page.getByRole('button', { name: 'I am ready' }).click();
    await step('challenge', { wait: 3000 });
    assert.equal(await page.$eval('.ring-fg', (e) => getComputedStyle(e).transitionDuration), '0s', 'motion not reduced');
    await step('retry', { axeCheck: true });
    assert.deepEqual(challenges.errors, [], 'writing the challenge video failed');
    const first = await page.$eval('main', (m) => m.innerText);
    assert.match(first, /Tries left: 1/);
    assert.doesNotMatch(first, /_not_seen|not_live|too_slow|out_of_order/, 'an internal code is shown');
    await page.getByRole('button', { name: 'Try again' }).click();
    await step('challenge', { wait: 3000, label: 'challenge-again', axeCheck: false });
    await step('failed');
    const text = await page.$eval('main', (m) => m.innerText);
    assert.match(text, /could not verify you/);
    await page.getByRole('button', { name: /^Back to / }).click();
    const landed = await L.waitForRedirect(page, redirect);
    assert.equal(landed.searchParams.get('is_success'), '0');
    L.checkProblems(page, step);
    assert.equal(challenges.length, 2);

    const rec = await L.getLink(link.token);
    assert.equal(rec.status, 200, rec.text);
    assert.equal(rec.json.result.is_success, 0, rec.text);
    assert.equal(rec.json.result.ocr_success, 1);
    assert.equal(rec.json.result.face_id_success, 0);
    t.diagnostic(`first failure shown as: ${first.split('\n').filter(Boolean).slice(0, 2).join(' / ')}`);
  } finally {
    await videos.settle();
    await browser.close();
    await redirect.close();
  }
});
