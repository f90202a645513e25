// The page's files as the server sends them: size, CSP, no inline script or style, and every
// string (and every hint word of docs/h5.md) in English and Malay.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const L = require('./lib');

const WEB = path.join(L.ROOT, 'web');

test('the page weighs at most 150 KB before images and is served under the strict CSP', async (t) => {
  const page = await L.call('GET', `${L.BASE()}/verifications?token=${'A'.repeat(30)}`);
  assert.equal(page.status, 200);
  const csp = page.headers.get('content-security-policy') || '';
  for (const d of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'"]) {
    assert.ok(csp.includes(d), `CSP lacks ${d}: ${csp}`);
  }
  const assets = [...page.text.matchAll(/(?:src|href)="(\/h5\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]);
  assert.ok(assets.length >= 2, 'no scripts or styles referenced');
  let total = Buffer.byteLength(page.text);
  const parts = [`index.html ${total}`];
  for (const a of assets) {
    const r = await L.call('GET', `${L.BASE()}${a}`);
    assert.equal(r.status, 200, a);
    total += Buffer.byteLength(r.text);
    parts.push(`${path.basename(a)} ${Buffer.byteLength(r.text)}`);
  }
  t.diagnostic(`page transfer before images: ${total} bytes (${parts.join(', ')})`);
  assert.ok(total <= 150 * 1024, `${total} bytes`);
  const missing = await L.call('GET', `${L.BASE()}/h5/nothing.js`);
  assert.equal(missing.status, 404);
});

test('web/: no inline script, style attribute or event handler; nothing from another origin', () => {
  for (const f of fs.readdirSync(WEB)) {
    const text = fs.readFileSync(path.join(WEB, f), 'utf8');
    if (f.endsWith('.html')) {
      assert.doesNotMatch(text, /<script(?![^>]*\bsrc=)[^>]*>/i, `${f}: inline <script>`);
      assert.doesNotMatch(text, /\sstyle=/i, `${f}: style attribute`);
      assert.doesNotMatch(text, /\son[a-z]+=/i, `${f}: inline event handler`);
      assert.doesNotMatch(text, /<style/i, `${f}: <style> element`);
    }
    if (!f.endsWith('.svg')) assert.doesNotMatch(text, /(?:src|href|url\()\s*=?\s*["']?(?:https?:)?\/\/(?!www\.w3\.org)/i, `${f}: another origin`);
    if (f.endsWith('.js')) assert.doesNotMatch(text, /\beval\(|new Function\(|innerHTML\s*=/, `${f}: eval or innerHTML`);
  }
});

test('every string in English and Malay, a sentence for every hint word', () => {
  const sandbox = { window: {} };
  vm.runInNewContext(fs.readFileSync(path.join(WEB, 'strings.js'), 'utf8'), sandbox);
  const { en, ms } = sandbox.window.STRINGS;
  assert.deepEqual(Object.keys(ms).sort(), Object.keys(en).sort(), 'the two tables have different keys');
  for (const [k, v] of Object.entries(ms)) {
    assert.ok(v.trim(), `ms.${k} is empty`);
    assert.deepEqual((v.match(/\{\w+\}/g) || []).sort(), (en[k].match(/\{\w+\}/g) || []).sort(), `placeholders differ in ${k}`);
  }
  const doc = fs.readFileSync(path.join(L.ROOT, 'docs', 'h5.md'), 'utf8');
  const section = ((doc.split(/### Hint words/)[1] || '').split(/\n\s*\n/)[0]);
  const words = [...section.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]);
  assert.ok(words.length >= 10, 'no hint words found in docs/h5.md');
  for (const w of words) assert.ok(en[`hint_${w}`] && ms[`hint_${w}`], `no sentence for the hint word ${w}`);
  const app = fs.readFileSync(path.join(WEB, 'app.js'), 'utf8');
  for (const m of app.matchAll(/setText\((?:[^,()]|\([^()]*\))+,\s*'([a-z_0-9]+)'\s*[,)]/g)) assert.ok(en[m[1]], `app.js uses an unknown string ${m[1]}`);
  const html = fs.readFileSync(path.join(WEB, 'index.html'), 'utf8');
  for (const m of html.matchAll(/data-t="([a-z_0-9]+)"/g)) assert.ok(en[m[1]], `index.html uses an unknown string ${m[1]}`);
});
