// (5) Another client's token reads as unknown (404, the same answer), and the page opened with
// a garbage, unknown or missing token shows the invalid-link screen.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const L = require('./lib');

test("another account's key cannot read a link: 404 like an unknown token", async () => {
  const link = await L.createLink({ type: '00', id_country: 'MYS', id_type: 'ID_CARD', redirect_url: 'https://merchant.example/cb' });
  const own = await L.getLink(link.token, 'A');
  assert.equal(own.status, 200, own.text);
  assert.equal(own.json.result.token, link.token);
  const other = await L.getLink(link.token, 'B');
  const unknown = await L.getLink('Z'.repeat(30), 'B');
  assert.equal(other.status, 404, other.text);
  assert.equal(unknown.status, 404, unknown.text);
  assert.deepEqual(other.json, unknown.json, 'the answers differ: a hint that the token exists');
  const noKey = await L.call('GET', `${L.BASE()}/api/ekyc/verifications/${link.token}`);
  assert.equal(noKey.status, 401, noKey.text);
});

test('the page with a garbage, unknown or missing token shows the invalid-link screen', async () => {
  const browser = await L.launch(path.join(L.WORK, 'tokens', 'camera.y4m'));
  try {
    const { page } = await L.openPage(browser);
    const step = L.stepper(page, 'invalid-token');
    for (const [label, q] of [['garbage', '?token=%3Cscript%3E..%2F%2F'], ['unknown', `?token=${'Q'.repeat(30)}`], ['missing', '']]) {
      await page.goto(`${L.BASE()}/verifications${q}`);
      await step('invalid', { label: `invalid-${label}` });
      assert.match(await page.$eval('main h1', (h) => h.innerText), /does not work/);
      assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.tagName), 'H1');
    }
    L.checkProblems(page, step);
  } finally {
    await browser.close();
  }
});
