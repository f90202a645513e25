// (2) A type-01 passport link left open (type and country chosen on the page), opened on a
// computer in Malay: the computer offers the QR code, the phone uploads the passport photo
// (the file fallback), and the computer follows the phone to the end; both land on
// redirect_url with is_success=1.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const L = require('./lib');

const PASSPORT = 'documents/dev/images/konstantint__PassportEye/62_pass-aus.png';

test('type 01: a passport chosen on the page, uploaded on a phone, followed by the computer', async (t) => {
  const image = L.sharedFile(PASSPORT);
  if (!image) return t.skip(`no ${path.join(L.SHARED, PASSPORT)}: set EKYCD_SHARED_DATA`);
  const redirect = await L.redirectServer();
  const video = path.join(L.WORK, 'passport', 'camera.y4m');
  const browser = await L.launch(video);
  L.documentVideo(video, image);
  try {
    const link = await L.createLink({ type: '01', select_id_country: true, select_id_type: true, redirect_url: redirect.url });

    // The computer, in Malay: welcome, the language switch, then "continue on my phone".
    const desk = await L.openPage(browser, { viewport: { width: 1024, height: 720 }, isMobile: false, hasTouch: false, locale: 'ms-MY' });
    const dstep = L.stepper(desk.page, 'passport-computer');
    await desk.page.goto(link.url);
    await dstep('welcome', { label: 'welcome-ms' });
    assert.equal(await desk.page.getAttribute('html', 'lang'), 'ms');
    await desk.page.getByRole('button', { name: 'Mula' }).waitFor();
    await desk.page.locator('#lang-switch').click();
    assert.equal(await desk.page.getAttribute('html', 'lang'), 'en');
    await dstep('welcome', { label: 'welcome-en' });
    await desk.page.getByRole('button', { name: 'Start' }).click();
    await dstep('select');
    await desk.page.getByRole('button', { name: 'Continue' }).click();
    await dstep('doc-intro');
    await desk.page.getByRole('button', { name: 'Continue on my phone' }).click();
    await desk.page.waitForFunction(() => { const i = document.querySelector('.qr img'); return i && i.complete && i.naturalWidth > 0; });
    await dstep('phone');

    // The phone: choose passport and Australia, upload the photo page.
    const phone = await L.openPage(browser);
    const step = L.stepper(phone.page, 'passport-phone');
    const t0 = Date.now();
    await phone.page.goto(link.url);
    await step('welcome');
    await phone.page.getByRole('button', { name: 'Start' }).click();
    await step('select');
    await phone.page.getByRole('radio', { name: 'Passport' }).check();
    await phone.page.selectOption('#country', 'AUS');
    await step('select', { label: 'select-passport' });
    await phone.page.getByRole('button', { name: 'Continue' }).click();
    await step('doc-intro');
    const chooser = phone.page.waitForEvent('filechooser');
    await phone.page.getByRole('button', { name: 'Upload a photo' }).click();
    await (await chooser).setFiles(image);
    await step('review');
    // The computer's screenshot as soon as it follows (it leaves for the merchant 3 s later).
    const deskFollows = dstep('done', { label: 'done-followed-phone', axeCheck: false, focusCheck: false });
    await phone.page.getByRole('button', { name: 'Use this photo' }).click();
    await phone.page.waitForSelector('body[data-screen="done"], .verdict:not([hidden]), body[data-screen="failed"]', { timeout: 60000 });
    const scr = await phone.page.$eval('body', (b) => b.dataset.screen);
    if (scr !== 'done') {
      await step(scr, { label: `${scr}-unexpected` });
      assert.fail(`the passport photo was not accepted: ${await phone.page.$eval('main', (m) => m.innerText)}`);
    }
    await step('done');
    const landed = await L.waitForRedirect(phone.page, redirect);
    assert.equal(landed.searchParams.get('is_success'), '1');
    t.diagnostic(`type-01 flow on the phone: ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    // The computer notices within its 3 s poll and follows.
    await deskFollows;
    const dl = await L.waitForRedirect(desk.page, redirect, 20000);
    assert.equal(dl.searchParams.get('is_success'), '1');

    L.checkProblems(desk.page, dstep);
    L.checkProblems(phone.page, step);
    const rec = await L.getLink(link.token);
    assert.equal(rec.status, 200, rec.text);
    assert.equal(rec.json.result.is_success, 1, rec.text);
    assert.equal(rec.json.result.ocr_type, 'PASSPORT');
    assert.equal(rec.json.result.ocr_country, 'AUS');
  } finally {
    await browser.close();
    await redirect.close();
  }
});
