// Helpers for the capture page's browser tests: the server run.sh started, links, the fake
// camera, screenshots and axe on every step.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const http = require('node:http');
const { execFileSync } = require('node:child_process');
const assert = require('node:assert/strict');
const { chromium } = require('playwright-core');
const axe = require('axe-core');

const ROOT = path.resolve(__dirname, '..', '..');
const SHARED = process.env.EKYCD_SHARED_DATA || path.resolve(ROOT, '..', 'shared', 'data');
const SHOTS = path.join(ROOT, 'build', 'browser-shots');
const WORK = process.env.EKYCD_BROWSER_WORK || path.join(ROOT, 'build', 'browser-work');
const FACE_MOTION = path.join(ROOT, 'build', 'face-motion');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const MYKAD = path.join(ROOT, 'tests', 'data', 'mykad', 'photo.jpg');

function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the tests with tests/browser/run.sh`);
  return v;
}
const BASE = () => env('EKYCD_BROWSER_BASE');
function client(which) {
  const [id, secret] = env(`EKYCD_BROWSER_CLIENT_${which}`).split(':');
  return { id, secret };
}

/* ---------- the API ---------- */
async function call(method, url, { headers = {}, body } = {}) {
  const r = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, json, text, headers: r.headers };
}

function keyHeaders(c) { return { client_id: c.id, client_secret: c.secret }; }

async function createLink(body, which = 'A') {
  const r = await call('POST', `${BASE()}/api/ekyc/verifications`, { headers: keyHeaders(client(which)), body });
  assert.equal(r.status, 200, `create link: ${r.status} ${r.text}`);
  assert.equal(r.json.status, 200, r.text);
  assert.match(r.json.result.token, /^[A-Z0-9]{30}$/);
  return r.json.result;
}

async function getLink(token, which = 'A') {
  return call('GET', `${BASE()}/api/ekyc/verifications/${encodeURIComponent(token)}`, { headers: keyHeaders(client(which)) });
}

/* A merchant's landing page: records where the page sent the browser. */
async function redirectServer() {
  const hits = [];
  const srv = http.createServer((req, res) => {
    hits.push(req.url);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><html lang="en"><title>Merchant</title><main><h1>Back at the merchant</h1></main></html>');
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${srv.address().port}`;
  return { url: `${base}/done`, base, hits, close: () => new Promise((r) => srv.close(r)) };
}

/* ---------- data ---------- */
function sharedFile(rel) {
  const p = path.join(SHARED, rel);
  return fs.existsSync(p) ? p : null;
}
// The selfie's face: the LFW photo the card's portrait was made from when ../shared/data is
// there, else the committed card photo itself (build/face-motion takes its largest face, the
// portrait), so that the flows run in a clone without the shared data too.
function mykadFace() {
  const meta = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests', 'data', 'mykad', 'photo.json'), 'utf8'));
  return sharedFile(meta.face) || MYKAD;
}

/* ---------- videos for the fake camera ---------- */
function faceMotion(args) {
  if (!fs.existsSync(FACE_MOTION)) throw new Error(`${FACE_MOTION} is missing: make build/face-motion`);
  execFileSync(FACE_MOTION, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
}

/* Writes atomically: Chromium may open the file at any getUserMedia. */
function writeVideo(dest, make) {
  const tmp = `${dest}.tmp.y4m`;
  make(tmp);
  fs.renameSync(tmp, dest);
}

function documentVideo(dest, image) {
  writeVideo(dest, (tmp) => faceMotion(['--image', image, '--seconds', '2', '--fps', '5', '--size', '1280x960', '--y4m', tmp]));
}

function challengeArgs(face, actions, stepMs, extra, out) {
  return ['--face', face, '--actions', actions.join(','), '--step-ms', String(stepMs), '--fps', '10',
    '--size', '640x480', '--models', path.join(ROOT, 'models'), ...extra, '--y4m', out];
}

function challengeVideo(dest, face, actions, stepMs, extra = []) {
  writeVideo(dest, (tmp) => faceMotion(challengeArgs(face, actions, stepMs, extra, tmp)));
}

/* The server's deadline runs from the challenge's issue, and the page gets the challenge only
   once the test has written the video: render the likely videos beforehand (every order of
   the three actions at the default step_ms, or one still video), two at a time, while the
   document steps run. take() puts the right one in place, or renders it on the spot. */
/* The video's actions come faster than the server allows (0.6 × step_ms apart): ekycd wants
   each action finished within step_ms of the previous one's end, and face-motion starts each
   action at the start of its slot, so at the full step_ms a turn after a blink ends too late. */
function videoStep(serverStepMs) { return Math.max(1500, Math.round(serverStepMs * 0.6)); }

function challengeVideos(dest, face, { serverStepMs = 5000, extra = [], still = false } = {}) {
  const stepMs = videoStep(serverStepMs);
  const dir = path.join(path.dirname(dest), 'prepared');
  fs.mkdirSync(dir, { recursive: true });
  const acts = ['turn_left', 'turn_right', 'blink'];
  const orders = still ? [acts] : [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]].map((o) => o.map((i) => acts[i]));
  const ready = new Map();
  const queue = orders.map((order) => ({ key: still ? 'still' : order.join(','), order }));
  const { execFile } = require('node:child_process');
  let running = 0;
  function next() {
    while (running < 2 && queue.length) {
      const { key, order } = queue.shift();
      const out = path.join(dir, `${key.replace(/,/g, '-')}-${stepMs}.y4m`);
      running++;
      ready.set(key, new Promise((resolve) => {
        execFile(FACE_MOTION, challengeArgs(face, order, stepMs, extra, out), { cwd: ROOT }, (err) => {
          running--; next(); resolve(err ? null : out);
        });
      }));
    }
  }
  next();
  async function take(actions, ms) {
    const key = still ? 'still' : actions.join(',');
    const have = ms === serverStepMs && ready.get(key) ? await ready.get(key) : null;
    if (have && (still || actions.length === 3)) {
      const tmp = `${dest}.tmp.y4m`;
      fs.rmSync(tmp, { force: true });
      fs.linkSync(have, tmp);
      fs.renameSync(tmp, dest);
      return 'prepared';
    }
    challengeVideo(dest, face, actions, videoStep(ms), extra);
    return 'rendered';
  }
  async function settle() { await Promise.all([...ready.values()]); }
  return { take, settle };
}

/* ---------- the browser ---------- */
async function launch(video) {
  fs.mkdirSync(path.dirname(video), { recursive: true });
  const args = ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
    `--use-file-for-fake-video-capture=${video}`, '--no-sandbox', '--disable-dev-shm-usage'];
  return chromium.launch({ executablePath: CHROMIUM, args });
}

const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 };

/* A page with CSP violations, page errors and failed requests collected for the test to check. */
async function openPage(browser, opts = {}) {
  const context = await browser.newContext({ ...PHONE, locale: 'en-US', ...opts });
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    const text = m.text();
    if (/Content.Security.Policy|Refused to/i.test(text)) page.problems.push(`CSP: ${text}`);
    else if (m.type() === 'error' && !/Failed to load resource/.test(text)) page.problems.push(`console: ${text}`);
  });
  page.on('requestfinished', (req) => {
    const u = new URL(req.url());
    if (!['127.0.0.1', 'localhost'].includes(u.hostname) && !/^(data|blob):/.test(req.url())) {
      page.problems.push(`third-party request: ${req.url()}`);
    }
  });
  return { context, page };
}

/* Screenshots and an axe check of each step, numbered in order. */
function stepper(page, testName) {
  const dir = path.join(SHOTS, testName);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  let n = 0;
  const violations = [];
  async function step(screen, { axeCheck = true, focusCheck = true, wait = 0, label } = {}) {
    await page.waitForSelector(`body[data-screen="${screen}"]`, { timeout: 60000 });
    if (wait) await page.waitForTimeout(wait);
    n++;
    const file = path.join(dir, `${String(n).padStart(2, '0')}-${label || screen}.png`);
    await page.screenshot({ path: file });
    // Keyboard and screen-reader users are not dropped on <body> when the step changes.
    if (focusCheck) {
      const lost = await page.evaluate(() => !document.activeElement || document.activeElement === document.body);
      if (lost) violations.push(`${screen}: focus lost (on <body>)`);
    }
    if (axeCheck) {
      const found = await runAxe(page);
      for (const v of found) violations.push(`${screen}: ${v}`);
    }
    return file;
  }
  step.violations = violations;
  return step;
}

async function runAxe(page) {
  const has = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!has) await page.evaluate(axe.source);
  const res = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
    });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((x) => x.target.join(' ')).slice(0, 3) }));
  });
  return res.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id} (${v.help}) at ${v.nodes.join(', ')}`);
}

/* Waits until the page left for the merchant; returns the URL it landed on. */
async function waitForRedirect(page, redirect, timeout = 60000) {
  await page.waitForURL((u) => u.href.startsWith(redirect.url), { timeout });
  return new URL(page.url());
}

function checkProblems(page, step) {
  assert.deepEqual(page.problems, [], 'the page logged errors, CSP violations or third-party requests');
  assert.deepEqual(step.violations, [], 'axe found serious or critical violations');
}

/* Intercepts the page's POST /api/h5/challenge, writes the video that follows (or not) the
   actions the server drew, and hands the answer back unchanged. */
async function onChallenge(page, handler) {
  const seen = [];
  await page.route('**/api/h5/challenge', async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    const response = await route.fetch();
    const body = await response.json();
    seen.push(body.result);
    try {
      if (body && body.result) await handler(body.result);
    } catch (e) {
      seen.errors.push(e.message);
    }
    await route.fulfill({ response });
  });
  seen.errors = [];
  return seen;
}

/* The document steps for a MyKad link opened on a phone: welcome → intro → camera → check. */
async function mykadDocument(page, step, video) {
  documentVideo(video, MYKAD);
  await step('welcome');
  await page.getByRole('button', { name: 'Start' }).click();
  await step('doc-intro');
  await page.getByRole('button', { name: 'Open camera' }).click();
  await page.waitForSelector('[data-act="shoot"]:not([disabled])', { timeout: 20000 });
  await step('doc-camera', { wait: 800 });
  await page.getByRole('button', { name: 'Take photo' }).click();
  await step('review');
  await page.getByRole('button', { name: 'Use this photo' }).click();
  await page.waitForFunction(() => document.body.dataset.screen !== 'review' ||
    !!document.querySelector('.verdict:not([hidden])'), null, { timeout: 60000 });
  const verdict = await page.$eval('body', (b) => b.dataset.screen === 'review'
    ? document.querySelector('.verdict').innerText : null);
  if (verdict) await step('review', { label: 'review-refused' });
  assert.equal(verdict, null, `the server refused the MyKad photo: ${verdict}`);
}

module.exports = {
  ROOT, SHARED, SHOTS, WORK, MYKAD, FACE_MOTION, BASE, client, call, createLink, getLink, keyHeaders,
  redirectServer, sharedFile, mykadFace, documentVideo, challengeVideo, challengeVideos, writeVideo, faceMotion, launch,
  openPage, stepper, runAxe, waitForRedirect, checkProblems, onChallenge, mykadDocument, PHONE,
};
