// The camera refused: the page explains how to allow it on this browser and offers the upload
// and the phone; and the document camera laid out on a phone held sideways.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { chromium } = require('playwright-core');
const L = require('./lib');

test('camera permission refused: an explanation, the upload and the phone offered', async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--use-fake-device-for-media-stream', '--deny-permission-prompts', '--no-sandbox', '--disable-dev-shm-usage'],
  });
  try {
    const link = await L.createLink({ type: '00', id_country: 'MYS', id_type: 'ID_CARD', redirect_url: 'https://merchant.example/cb' });
    const { page } = await L.openPage(browser);
    const step = L.stepper(page, 'camera-denied');
    await page.goto(link.url);
    await page.getByRole('button', { name: 'Start' }).click();
    await page.getByRole('button', { name: 'Open camera' }).click();
    await step('cam-denied');
    const text = await page.$eval('main', (m) => m.innerText);
    assert.match(text, /Allow the camera/);
    assert.match(text, /Permissions/);
    await page.getByRole('button', { name: 'Upload a photo' }).waitFor();
    await page.getByRole('button', { name: 'Continue on my phone' }).waitFor();
    L.checkProblems(page, step);
  } finally {
    await browser.close();
  }
});

test('the document camera on a phone held sideways', async () => {
  const video = path.join(L.WORK, 'landscape', 'camera.y4m');
  const browser = await L.launch(video);
  L.documentVideo(video, L.MYKAD);
  try {
    const link = await L.createLink({ type: '00', id_country: 'MYS', id_type: 'ID_CARD', redirect_url: 'https://merchant.example/cb' });
    const { page } = await L.openPage(browser, { viewport: { width: 740, height: 360 } });
    const step = L.stepper(page, 'landscape');
    await page.goto(link.url);
    await step('welcome');
    await page.getByRole('button', { name: 'Start' }).click();
    await page.getByRole('button', { name: 'Open camera' }).click();
    await page.waitForSelector('[data-act="shoot"]:not([disabled])', { timeout: 20000 });
    await step('doc-camera', { wait: 500 });
    const box = await page.locator('[data-act="shoot"]').boundingBox();
    assert.ok(box && box.y + box.height <= 360, 'the shutter is off screen');
    assert.ok(box.height >= 44, 'the shutter is smaller than 44 px');
    L.checkProblems(page, step);
  } finally {
    await browser.close();
  }
});
