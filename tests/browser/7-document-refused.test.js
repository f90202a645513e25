// A document photo the quality checks refuse (the MyKad photo darkened almost to black): the
// verdict in words on "Check your photo", back to the camera with the hint kept, then a good
// photo accepted after a dropped connection (retried with the same capture). The refusal does
// not use an OCR attempt.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const fs = require('node:fs');
const L = require('./lib');

/* The MyKad photo at 6 % of its brightness, drawn by Chromium's canvas. */
async function darkened(browser, src, dest) {
  const page = await browser.newPage();
  const b64 = await page.evaluate(async (data) => {
    const img = new Image();
    img.src = `data:image/jpeg;base64,${data}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.naturalWidth; c.height = img.naturalHeight;
    const g = c.getContext('2d');
    g.filter = 'brightness(0.06)';
    g.drawImage(img, 0, 0);
    return c.toDataURL('image/jpeg', 0.9).split(',')[1];
  }, fs.readFileSync(src).toString('base64'));
  await page.close();
  fs.writeFileSync(dest, Buffer.from(b64, 'base64'));
}

test('a refused document photo: the reason in words, the hint kept on the camera, then accepted', async () => {
  const video = path.join(L.WORK, 'refused', 'camera.y4m');
  const browser = await L.launch(video);
  try {
    const dark = path.join(L.WORK, 'refused', 'dark.jpg');
    await darkened(browser, L.MYKAD, dark);
    L.documentVideo(video, dark);
    const link = await L.createLink({ type: '00', id_country: 'MYS', id_type: 'ID_CARD', redirect_url: 'https://merchant.example/cb' });
    const { page } = await L.openPage(browser);
    const step = L.stepper(page, 'document-refused');
    await page.goto(link.url);
    await page.getByRole('button', { name: 'Start' }).click();
    await page.getByRole('button', { name: 'Open camera' }).click();
    await page.waitForSelector('[data-act="shoot"]:not([disabled])', { timeout: 20000 });
    await page.getByRole('button', { name: 'Take photo' }).click();
    await page.getByRole('button', { name: 'Use this photo' }).click();
    await page.waitForSelector('.verdict:not([hidden]), body[data-screen="selfie-intro"]', { timeout: 60000 });
    assert.equal(await page.$eval('body', (b) => b.dataset.screen), 'review', 'the dark capture was accepted');
    await step('review', { label: 'review-refused' });
    const verdict = await page.$eval('.verdict .hint', (v) => v.innerText.trim());
    assert.ok(verdict.length > 5, 'no verdict shown');
    assert.doesNotMatch(verdict, /[a-z]+_[a-z]+/, `an internal code is shown: ${verdict}`);
    assert.doesNotMatch(await page.$eval('.verdict', (v) => v.innerText), /Tries left/, 'a quality refusal must not use an attempt');

    // The next upload loses its connection once: the page retries with the same capture.
    let uploads = 0;
    await page.route('**/api/h5/document', (route) => (++uploads === 1 ? route.abort('connectionreset') : route.continue()));
    L.documentVideo(video, L.MYKAD);
    await page.getByRole('button', { name: 'Take another photo' }).click();
    await page.waitForSelector('[data-act="shoot"]:not([disabled])', { timeout: 20000 });
    await step('doc-camera', { label: 'camera-with-hint', wait: 500 });
    assert.equal(await page.$eval('.camera-screen .hint', (h) => h.innerText.trim()), verdict);
    await page.getByRole('button', { name: 'Take photo' }).click();
    await page.getByRole('button', { name: 'Use this photo' }).click();
    await page.waitForSelector('text=Connection lost. Trying again…', { timeout: 10000 });
    await step('review', { label: 'review-retrying' });
    await step('selfie-intro');
    assert.equal(uploads, 2, 'the upload was not retried once');
    L.checkProblems(page, step);

    const rec = await L.getLink(link.token);
    assert.equal(rec.json.result.retries, 0, rec.text);
  } finally {
    await browser.close();
  }
});
