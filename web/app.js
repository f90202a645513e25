/* ekycd capture page: consent → document → selfie challenge → result → redirect.
   Talks only to this origin's /api/h5/* (docs/h5.md), token as a bearer. No framework. */
(function () {
  'use strict';

  var S = window.STRINGS;
  var main = document.getElementById('main');
  var live = document.getElementById('live');
  var fileInput = document.getElementById('file');
  var token = new URLSearchParams(location.search).get('token') || '';
  var vars = { merchant: '', days: '', docname: '' };
  var lang = pickLang();
  var session = null;          // last /api/h5/session result
  var choice = { id_type: null, id_country: null };
  var capture = null;          // { blob, url, source: 'camera'|'file' }
  var docHint = null;          // the server's last refusal, kept on the camera screen
  var faceResult = null;       // the last failed challenge answer
  var stream = null;
  var timers = [];
  var epoch = 0;               // bumps on every screen change; stale async work checks it
  var onFile = null;

  var DOCUMENT_LONG_SIDE = 1600, DOCUMENT_QUALITY = 0.85, FRAME_QUALITY = 0.8;
  var BACKOFF_MS = [1000, 2000, 4000, 8000, 8000];
  var A3_TO_A2 = {
    AUS: 'AU', BGD: 'BD', CAN: 'CA', CHN: 'CN', CUB: 'CU', DEU: 'DE', FRA: 'FR', IND: 'IN',
    IDN: 'ID', IRN: 'IR', ITA: 'IT', JPN: 'JP', KAZ: 'KZ', KOR: 'KR', LAO: 'LA', MYS: 'MY',
    MNG: 'MN', NLD: 'NL', NZL: 'NZ', NGA: 'NG', PAK: 'PK', PHL: 'PH', RUS: 'RU', SAU: 'SA',
    SGP: 'SG', SYR: 'SY', THA: 'TH', UKR: 'UA', GBR: 'GB', USA: 'US', VNM: 'VN', ZAF: 'ZA'
  };

  /* ---------- words ---------- */
  function pickLang() {
    var saved = null;
    try { saved = localStorage.getItem('ekycd.lang'); } catch (e) { /* private mode */ }
    if (saved === 'en' || saved === 'ms') return saved;
    var langs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || 'en'];
    for (var i = 0; i < langs.length; i++) {
      var l = String(langs[i]).toLowerCase();
      if (l.indexOf('ms') === 0) return 'ms';
      if (l.indexOf('en') === 0) return 'en';
    }
    return 'en';
  }

  function t(key, args) {
    var s = S[lang][key];
    if (s === undefined) s = S.en[key];
    if (s === undefined) return '';
    var a = args || {};
    return s.replace(/\{(\w+)\}/g, function (m, k) {
      return a[k] !== undefined ? String(a[k]) : vars[k] !== undefined ? String(vars[k]) : '';
    });
  }

  function hintKey(word) {
    return word && S.en['hint_' + word] ? 'hint_' + word : 'hint_generic';
  }

  function setText(el, key, args) {
    if (!el) return;
    if (!key) {
      delete el.dataset.t; delete el.dataset.a; el.textContent = '';
      return;
    }
    el.dataset.t = key;
    if (args) el.dataset.a = JSON.stringify(args); else delete el.dataset.a;
    el.textContent = t(key, args);
  }

  function translate(root) {
    var els = root.querySelectorAll('[data-t]');
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      el.textContent = t(el.dataset.t, el.dataset.a ? JSON.parse(el.dataset.a) : null);
    }
    if (root === document) chrome();
  }

  function chrome() {
    document.documentElement.lang = lang;
    document.title = (vars.merchant ? vars.merchant + ' · ' : '') + t('title');
    var b = document.getElementById('lang-switch');
    var other = lang === 'en' ? 'ms' : 'en';
    b.textContent = S[other].lang_name;
    b.lang = other;
    b.setAttribute('aria-label', t('other_lang_label'));
    document.getElementById('merchant').textContent = vars.merchant || t('merchant_default');
  }

  function announce(text) {
    live.textContent = '';
    setTimeout(function () { live.textContent = text; }, 50);
  }

  document.getElementById('lang-switch').addEventListener('click', function () {
    lang = lang === 'en' ? 'ms' : 'en';
    try { localStorage.setItem('ekycd.lang', lang); } catch (e) { /* ignore */ }
    if (choice.id_type) vars.docname = t('doc_' + choice.id_type);
    translate(document);
    fillCountryNames();
  });

  /* ---------- screens ---------- */
  function later(fn, ms) { var id = setTimeout(fn, ms); timers.push(id); return id; }
  function every(fn, ms) { var id = setInterval(fn, ms); timers.push(id); return id; }

  function show(name, flags, acts, keepStream) {
    epoch++;
    timers.forEach(function (id) { clearTimeout(id); clearInterval(id); });
    timers = [];
    if (!keepStream) stopCamera();
    var tpl = document.getElementById('t-' + name);
    var node = tpl.content.firstElementChild.cloneNode(true);
    var f = flags || {};
    node.querySelectorAll('[data-show]').forEach(function (el) {
      if (!f[el.dataset.show]) el.remove();
    });
    node.querySelectorAll('[data-act]').forEach(function (el) {
      var fn = acts && acts[el.dataset.act];
      if (fn) el.addEventListener('click', fn);
    });
    var h = node.querySelector('h1');
    h.id = 'h-' + name;
    node.setAttribute('aria-labelledby', h.id);
    translate(node);
    main.replaceChildren(node);
    document.body.dataset.screen = name;
    chrome();
    h.focus({ preventScroll: true });
    window.scrollTo(0, 0);
    return node;
  }

  function slot(node, name) { return node.querySelector('[data-slot="' + name + '"]'); }

  /* ---------- network ---------- */
  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  function xhr(method, path, body, opts) {
    return new Promise(function (resolve) {
      var x = new XMLHttpRequest();
      x.open(method, path);
      x.setRequestHeader('Authorization', 'Bearer ' + token);
      x.setRequestHeader('Accept', 'application/json');
      x.timeout = opts.timeout || 30000;
      if (body !== undefined) x.setRequestHeader('Content-Type', 'application/json');
      if (opts.onProgress && x.upload) {
        x.upload.onprogress = function (e) {
          if (e.lengthComputable) opts.onProgress(Math.round((100 * e.loaded) / e.total));
        };
      }
      x.onload = function () {
        var json = null;
        try { json = JSON.parse(x.responseText); } catch (e) { /* not JSON */ }
        resolve({ status: x.status, body: json, retryAfter: x.getResponseHeader('Retry-After') });
      };
      x.onerror = x.ontimeout = x.onabort = function () { resolve({ status: 0, body: null }); };
      x.send(body === undefined ? null : JSON.stringify(body));
    });
  }

  /* Resolves {status, body, code}; retries network errors, 5xx, busy and rate limits with backoff. */
  async function api(method, path, body, opts) {
    opts = opts || {};
    for (var attempt = 0; ; attempt++) {
      var r = await xhr(method, path, body, opts);
      r.code = r.body && r.body.code ? r.body.code : null;
      var transient = r.status === 0 || r.status === 429 || r.status === 502 || r.status === 503 ||
        r.status === 504 || r.code === 'busy' || r.code === 'rate_limited';
      r.attempts = attempt + 1;
      if (!transient) return r;
      if (attempt >= BACKOFF_MS.length) { r.network = true; return r; }
      if (opts.onRetry) opts.onRetry(attempt + 1);
      var wait = BACKOFF_MS[attempt];
      var ra = parseInt(r.retryAfter, 10);
      if (ra > 0) wait = Math.max(wait, Math.min(ra * 1000, 30000));
      await sleep(wait);
    }
  }

  /* Handles the answers every screen treats alike; returns true when the caller should go on. */
  function ok(r, retry) {
    if (r.status === 200 && r.body && r.body.result) return true;
    if (r.status === 410 || r.code === 'expired') showExpired();
    else if (r.status === 401 || r.code === 'invalid_token') showInvalid();
    else if (r.code === 'finished') loadSession();
    else showError(retry);
    return false;
  }

  /* ---------- start ---------- */
  async function loadSession() {
    if (!/^[A-Za-z0-9_-]{8,128}$/.test(token)) return showInvalid();
    show('loading');
    var r = await api('GET', '/api/h5/session');
    if (!ok(r, loadSession)) return;
    applySession(r.body.result);
    routeFromSession(true);
  }

  function applySession(s) {
    session = s;
    vars.merchant = s.merchant || '';
    vars.days = s.retention_days;
    if (!choice.id_type) choice.id_type = s.id_type || null;
    if (!choice.id_country) choice.id_country = s.id_country || null;
    if (choice.id_type) vars.docname = t('doc_' + choice.id_type);
    chrome();
  }

  function routeFromSession(welcome) {
    var step = session.step;
    if (step === 'expired') return showExpired();
    if (step === 'done') return showDone(session.redirect);
    if (step === 'failed') return showFailed(session.redirect, null);
    if (welcome) return showWelcome();
    if (step === 'selfie') return showSelfieIntro();
    return needsSelect() ? showSelect() : showDocIntro();
  }

  function needsSelect() {
    return !!(session.select_id_type || session.select_id_country || !session.id_type || !session.id_country);
  }

  function showWelcome() {
    var node = show('welcome', { face: session.type === '00' }, {
      start: function () { routeFromSession(false); }
    });
    if (session.retention_days === 1) setText(node.querySelector('[data-t="retention"]'), 'retention_1');
  }

  /* ---------- document type and country ---------- */
  function typesOffered() {
    var docs = session.documents || {};
    var all = Object.keys(docs);
    if (!session.select_id_type && session.id_type) return [session.id_type];
    if (!session.select_id_country && session.id_country) {
      return all.filter(function (k) { return docs[k].indexOf(session.id_country) >= 0; });
    }
    return all;
  }

  function countriesFor(type) {
    var docs = session.documents || {};
    if (!session.select_id_country && session.id_country) return [session.id_country];
    return (docs[type] || []).slice();
  }

  function countryName(a3) {
    try {
      var dn = new Intl.DisplayNames([lang === 'ms' ? 'ms' : 'en'], { type: 'region' });
      return A3_TO_A2[a3] ? dn.of(A3_TO_A2[a3]) : a3;
    } catch (e) { return a3; }
  }

  function fillCountryNames() {
    var sel = document.getElementById('country');
    if (!sel) return;
    var opts = Array.prototype.slice.call(sel.options);
    opts.forEach(function (o) { o.textContent = countryName(o.value); });
    opts.sort(function (a, b) { return a.textContent.localeCompare(b.textContent); });
    var cur = sel.value;
    opts.forEach(function (o) { sel.appendChild(o); });
    sel.value = cur;
  }

  function showSelect() {
    var types = typesOffered();
    var node = show('select', {
      'pick-type': types.length > 1,
      'pick-country': true
    });
    var box = slot(node, 'types');
    var sel = slot(node, 'country');
    if (!choice.id_type || types.indexOf(choice.id_type) < 0) choice.id_type = types[0];
    if (box) {
      types.forEach(function (ty) {
        var lab = document.createElement('label');
        lab.className = 'choice';
        var inp = document.createElement('input');
        inp.type = 'radio'; inp.name = 'id_type'; inp.value = ty;
        inp.checked = ty === choice.id_type;
        inp.addEventListener('change', function () { choice.id_type = ty; fillCountries(); });
        var span = document.createElement('span');
        setText(span, 'type_' + ty);
        lab.appendChild(inp); lab.appendChild(span);
        box.appendChild(lab);
      });
    }
    function fillCountries() {
      var list = countriesFor(choice.id_type);
      sel.replaceChildren();
      list.forEach(function (c) {
        var o = document.createElement('option');
        o.value = c; o.textContent = c;
        sel.appendChild(o);
      });
      fillCountryNames();
      if (choice.id_country && list.indexOf(choice.id_country) >= 0) sel.value = choice.id_country;
      else if (list.indexOf('MYS') >= 0) sel.value = 'MYS';
      sel.disabled = list.length < 2;
    }
    fillCountries();
    node.querySelector('form').addEventListener('submit', function (e) {
      e.preventDefault();
      choice.id_country = sel.value;
      vars.docname = t('doc_' + choice.id_type);
      showDocIntro();
    });
  }

  /* ---------- camera ---------- */
  function isDesktop() {
    return !(window.matchMedia && window.matchMedia('(pointer: coarse)').matches);
  }

  function hasCameraApi() {
    return !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
  }

  async function hasVideoInput() {
    if (!hasCameraApi()) return false;
    try {
      var list = await navigator.mediaDevices.enumerateDevices();
      return list.some(function (d) { return d.kind === 'videoinput'; });
    } catch (e) { return true; }
  }

  function stopCamera() {
    if (stream) stream.getTracks().forEach(function (tr) { tr.stop(); });
    stream = null;
  }

  /* Opens the camera into video; resolves 'ok', 'denied' or 'none'. */
  async function openCamera(video, facing) {
    stopCamera();
    var c = facing === 'user'
      ? { facingMode: 'user', width: { ideal: 640 }, height: { ideal: 480 } }
      : { facingMode: { ideal: 'environment' }, width: { ideal: 1920 }, height: { ideal: 1080 } };
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: c, audio: false });
    } catch (e) {
      var n = e && e.name;
      if (n === 'NotAllowedError' || n === 'SecurityError' || n === 'PermissionDeniedError') return 'denied';
      return 'none';
    }
    video.srcObject = stream;
    try { await video.play(); } catch (e) { /* autoplay attribute covers it */ }
    if (video.readyState < 2 || !video.videoWidth) {
      await new Promise(function (res) {
        var done = function () { res(); };
        video.addEventListener('loadeddata', done, { once: true });
        setTimeout(done, 4000);
      });
    }
    if (!video.videoWidth) return 'none';
    /* Show the whole frame the camera gives, so the guide matches what is sent. */
    fitViewer(video);
    return 'ok';
  }

  function fitViewer(video) {
    var viewer = video && video.parentNode;
    if (!viewer || !video.videoWidth) return;
    var ratio = video.videoWidth / video.videoHeight;
    viewer.style.aspectRatio = video.videoWidth + ' / ' + video.videoHeight;
    viewer.style.maxWidth = '';
    var maxH = parseFloat(getComputedStyle(viewer).maxHeight);
    if (maxH > 0) viewer.style.maxWidth = Math.floor(maxH * ratio) + 'px';
    viewer.classList.toggle('wide', ratio > 1);
  }

  window.addEventListener('resize', function () { fitViewer(main.querySelector('.viewer video')); });

  function browserHelp() {
    var ua = navigator.userAgent;
    if (/Firefox|FxiOS/.test(ua)) return 'how_firefox';
    if (/CriOS|Chrome|Chromium/.test(ua)) return 'how_chrome';
    if (/Safari/.test(ua)) return 'how_safari';
    return 'how_other';
  }

  function showDenied(forDoc) {
    var node = show('cam-denied', { upload: forDoc }, {
      retry: forDoc ? showDocCamera : showSelfieIntro,
      upload: pickFile,
      phone: showPhone
    });
    setText(slot(node, 'how'), browserHelp());
    announce(t('denied_p'));
  }

  function showNoCamera(forDoc) {
    var node = show('no-camera', { upload: forDoc }, {
      phone: showPhone,
      upload: pickFile,
      retry: forDoc ? showDocCamera : showSelfieIntro
    });
    if (!forDoc) setText(node.querySelector('.lead'), 'nocam_p_selfie');
  }

  /* ---------- document ---------- */
  async function showDocIntro() {
    var cam = hasCameraApi();
    var node = show('doc-intro', { camera: cam, phone: isDesktop() || !cam }, {
      camera: showDocCamera,
      upload: pickFile,
      phone: showPhone
    });
    setText(node.querySelector('.lead'), 'doc_intro_p_' + (choice.id_type === 'PASSPORT' ? 'PASSPORT' : 'ID_CARD'));
    if (isDesktop()) preferPhone(node);
    var ep = epoch;
    if (cam && !(await hasVideoInput()) && ep === epoch) {
      var b = node.querySelector('[data-act="camera"]');
      if (b) b.remove();
      if (!node.querySelector('[data-act="phone"]')) {
        var p = document.createElement('button');
        p.type = 'button'; p.className = 'btn'; p.dataset.act = 'phone';
        setText(p, 'use_phone');
        p.addEventListener('click', showPhone);
        node.querySelector('.actions').prepend(p);
      }
      preferPhone(node);
    }
  }

  /* On a computer, or without a camera, the phone is the better way: first and primary. */
  function preferPhone(node) {
    var p = node.querySelector('[data-act="phone"]');
    if (!p) return;
    node.querySelectorAll('.actions .primary').forEach(function (b) { b.classList.remove('primary'); });
    p.classList.add('primary');
    p.parentNode.prepend(p);
  }

  async function showDocCamera() {
    var node = show('doc-camera', {}, { shoot: shoot, upload: pickFile });
    var video = node.querySelector('video');
    var hint = slot(node, 'hint');
    var btn = node.querySelector('[data-act="shoot"]');
    if (choice.id_type === 'PASSPORT') node.querySelector('.guide').classList.add('passport');
    if (docHint) { setText(hint, hintKey(docHint)); hint.classList.add('bad'); announce(t(hintKey(docHint))); }
    else setText(hint, 'cam_starting');
    var ep = epoch;
    var res = await openCamera(video, 'environment');
    if (ep !== epoch) { return; }
    if (res === 'denied') return showDenied(true);
    if (res === 'none') return showNoCamera(true);
    btn.disabled = false;
    if (!docHint) setText(hint, 'cam_ready');
    var small = document.createElement('canvas');
    every(function () { if (!docHint) localCheck(video, small, hint); }, 700);

    async function shoot() {
      btn.disabled = true;
      var blob = await grab(video, DOCUMENT_LONG_SIDE, DOCUMENT_QUALITY);
      if (ep !== epoch) return;
      if (!blob) { btn.disabled = false; return; }
      setCapture(blob, 'camera');
      showReview();
    }
  }

  /* A cheap look at a downscaled frame: too dark, or too soft (variance of a Laplacian). The
     server's check is the verdict; this only guides before the shutter. */
  function localCheck(video, c, hint) {
    if (!video.videoWidth) return;
    var w = 160, h = Math.max(1, Math.round((160 * video.videoHeight) / video.videoWidth));
    c.width = w; c.height = h;
    var g = c.getContext('2d', { willReadFrequently: true });
    g.drawImage(video, 0, 0, w, h);
    var d = g.getImageData(0, 0, w, h).data;
    var y = new Float32Array(w * h), sum = 0;
    for (var i = 0, p = 0; i < d.length; i += 4, p++) {
      y[p] = 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
      sum += y[p];
    }
    var mean = sum / (w * h), s1 = 0, s2 = 0, n = 0;
    for (var r = 1; r < h - 1; r++) {
      for (var x = 1; x < w - 1; x++) {
        var k = r * w + x;
        var lap = y[k - 1] + y[k + 1] + y[k - w] + y[k + w] - 4 * y[k];
        s1 += lap; s2 += lap * lap; n++;
      }
    }
    var variance = s2 / n - (s1 / n) * (s1 / n);
    var key = mean < 45 ? 'cam_dark' : variance < 12 ? 'cam_blurry' : 'cam_ready';
    if (hint.dataset.t !== key) setText(hint, key);
  }

  function grab(source, longSide, quality) {
    var sw = source.videoWidth || source.naturalWidth || source.width;
    var sh = source.videoHeight || source.naturalHeight || source.height;
    if (!sw || !sh) return Promise.resolve(null);
    var scale = Math.min(1, longSide / Math.max(sw, sh));
    var c = document.createElement('canvas');
    c.width = Math.round(sw * scale); c.height = Math.round(sh * scale);
    c.getContext('2d').drawImage(source, 0, 0, c.width, c.height);
    return new Promise(function (res) { c.toBlob(res, 'image/jpeg', quality); });
  }

  function setCapture(blob, source) {
    if (capture && capture.url) URL.revokeObjectURL(capture.url);
    capture = { blob: blob, url: URL.createObjectURL(blob), source: source };
  }

  function pickFile() {
    onFile = async function (file) {
      var img = new Image();
      var url = URL.createObjectURL(file);
      try {
        img.src = url;
        await img.decode();
        var blob = await grab(img, DOCUMENT_LONG_SIDE, DOCUMENT_QUALITY);
        if (blob) { setCapture(blob, 'file'); showReview(); }
      } catch (e) {
        announce(t('hint_not_readable'));
      } finally {
        URL.revokeObjectURL(url);
      }
    };
    fileInput.value = '';
    fileInput.click();
  }

  fileInput.addEventListener('change', function () {
    var f = fileInput.files && fileInput.files[0];
    if (f && onFile) onFile(f);
  });

  function blobToBase64(blob) {
    return new Promise(function (res, rej) {
      var fr = new FileReader();
      fr.onload = function () { res(String(fr.result).split(',')[1] || ''); };
      fr.onerror = function () { rej(fr.error); };
      fr.readAsDataURL(blob);
    });
  }

  function showReview() {
    var node = show('review', {}, { use: use, retake: retake });
    var img = slot(node, 'img');
    img.src = capture.url;
    var useBtn = node.querySelector('[data-act="use"]');
    var reBtn = node.querySelector('[data-act="retake"]');
    var prog = slot(node, 'progress'), bar = slot(node, 'bar'), ptext = slot(node, 'ptext');
    var verdict = slot(node, 'verdict');
    var ep = epoch;

    function retake() {
      if (capture.source === 'file') pickFile(); else showDocCamera();
    }

    async function use() {
      useBtn.disabled = true; reBtn.disabled = true;
      verdict.hidden = true;
      prog.hidden = false; bar.value = 0;
      setText(ptext, 'uploading', { n: 0 });
      prog.focus({ preventScroll: true }); /* the pressed button is disabled: keep focus near */
      var image = await blobToBase64(capture.blob);
      var body = { image: image };
      if (choice.id_type) body.id_type = choice.id_type;
      if (choice.id_country) body.id_country = choice.id_country;
      var r = await api('POST', '/api/h5/document', body, {
        timeout: 90000,
        onProgress: function (n) {
          if (ep !== epoch) return;
          bar.value = n;
          setText(ptext, n >= 100 ? 'checking' : 'uploading', { n: n });
          if (n >= 100) bar.removeAttribute('value');
        },
        onRetry: function () { if (ep === epoch) { setText(ptext, 'retrying'); announce(t('retrying')); } }
      });
      if (ep !== epoch) return;
      prog.hidden = true;
      if (r.network) {
        showVerdict('neterr_p', null, true);
        useBtn.disabled = false; reBtn.disabled = false;
        useBtn.focus();
        return;
      }
      if (!ok(r, showReview)) return;
      var res = r.body.result;
      session.ocr_attempts_left = res.ocr_attempts_left;
      if (res.accepted) {
        docHint = null;
        announce(t('accepted'));
        return nextStep(res.step, res.redirect, null);
      }
      docHint = res.hint || 'not_readable';
      if (res.step === 'failed' || res.step === 'done') return nextStep(res.step, res.redirect, docHint);
      showVerdict(hintKey(docHint), res.counted ? res.ocr_attempts_left : null);
      useBtn.remove();
      reBtn.disabled = false;
      reBtn.classList.add('primary');
      setText(reBtn, 'take_another');
      reBtn.focus();
    }

    function showVerdict(key, left, network) {
      verdict.hidden = false;
      verdict.querySelector('.vhead').hidden = !!network;
      setText(slot(node, 'vtext'), key);
      setText(slot(node, 'vleft'), left === null || left === undefined ? null : 'tries_left', { n: left });
      setText(slot(node, 'ask'), null);
      announce(t(key) + (left !== null && left !== undefined ? ' ' + t('tries_left', { n: left }) : ''));
    }
  }

  function nextStep(step, redirect, why) {
    if (session) session.step = step;
    if (step === 'selfie') return showSelfieIntro();
    if (step === 'done') return showDone(redirect);
    if (step === 'failed') return showFailed(redirect, why);
    if (step === 'expired') return showExpired();
    return showDocIntro();
  }

  /* ---------- selfie challenge ---------- */
  function showSelfieIntro() {
    var node = show('selfie-intro', { phone: isDesktop() }, { begin: beginChallenge, phone: showPhone });
    if (faceResult && faceResult.reason) {
      var h = slot(node, 'hint'); h.hidden = false; setText(h, hintKey(faceResult.reason));
      var l = slot(node, 'left'); l.hidden = false; setText(l, 'tries_left', { n: faceResult.face_attempts_left });
    }
  }

  async function beginChallenge() {
    var node = show('challenge');
    var ep = epoch;
    var video = node.querySelector('video');
    var instr = slot(node, 'instr'), hint = slot(node, 'hint'), count = slot(node, 'count');
    var ring = slot(node, 'ring');
    setText(hint, 'cam_starting');

    /* The challenge first, then the camera: the clock starts when the challenge arrives. */
    var r = await api('POST', '/api/h5/challenge', {});
    if (ep !== epoch) return;
    if (!ok(r, showSelfieIntro)) return;
    var ch = r.body.result, t0 = performance.now();
    var res = await openCamera(video, 'user');
    if (ep !== epoch) { stopCamera(); return; }
    if (res === 'denied') return showDenied(false);
    if (res === 'none') return showNoCamera(false);
    if (performance.now() - t0 > 3000) {
      /* A permission prompt ate the time: take a fresh challenge, keep the camera. */
      r = await api('POST', '/api/h5/challenge', {});
      if (ep !== epoch) return;
      if (!ok(r, showSelfieIntro)) return;
      ch = r.body.result; t0 = performance.now();
    }
    runChallenge(ch, t0, video, { instr: instr, hint: hint, count: count, ring: ring, cue: slot(node, 'cue') }, ep);
  }

  function runChallenge(ch, t0, video, ui, ep) {
    var n = ch.actions.length;
    var stepMs = ch.step_ms || 5000;
    var deadline = (ch.deadline_ms || n * stepMs + 5000) - 1000;
    /* People start moving a moment after an instruction appears: keep filming a little after
       the last one unless the server has already seen every action. */
    var tail = Math.max(0, Math.min(1500, deadline - n * stepMs));
    var limit = Math.min(n * stepMs + tail, deadline);
    var maxFrames = ch.max_frames || 60;
    var fps = Math.max(2, Math.min(10, (maxFrames * 1000) / limit));
    var batch = Math.max(1, Math.min(ch.batch_max || 8, Math.round(fps * 0.6) || 1));
    var longSide = ch.frame_long_side || 480;
    var maxBytes = ch.frame_max_bytes || 80000;
    var idx = 0, stepStart = 0, captured = 0, pending = [], seq = 0, sending = false;
    var ended = false, stopSending = false, grabbing = false, doneSeen = false, lastImage = null;
    var circ = 2 * Math.PI * 46;
    ui.ring.style.strokeDasharray = circ.toFixed(1);
    ui.ring.style.strokeDashoffset = circ.toFixed(1);
    setText(ui.hint, null);
    var canvas = document.createElement('canvas');

    function showAction() {
      ui.cue.className = 'cue' + (idx < n ? ' cue-' + ch.actions[idx] : '');
      if (idx < n) {
        setText(ui.instr, 'act_' + ch.actions[idx]);
        setText(ui.count, 'step_of', { i: idx + 1, n: n });
        announce(t('act_' + ch.actions[idx]));
      } else {
        setText(ui.instr, 'act_done');
      }
    }
    stepStart = performance.now();
    showAction();

    async function frame() {
      if (ended || grabbing || captured >= maxFrames || !video.videoWidth) return;
      grabbing = true;
      try {
        var tms = Math.round(performance.now() - t0);
        var sw = video.videoWidth, sh = video.videoHeight;
        var sc = Math.min(1, longSide / Math.max(sw, sh));
        canvas.width = Math.round(sw * sc); canvas.height = Math.round(sh * sc);
        canvas.getContext('2d').drawImage(video, 0, 0, canvas.width, canvas.height);
        var blob = await new Promise(function (res) { canvas.toBlob(res, 'image/jpeg', FRAME_QUALITY); });
        if (blob && blob.size > maxBytes) {
          blob = await new Promise(function (res) { canvas.toBlob(res, 'image/jpeg', 0.6); });
        }
        if (!blob || blob.size > maxBytes || ep !== epoch) return;
        var image = await blobToBase64(blob);
        if (image === lastImage) return; /* the camera stalled: the server refuses a frame twice */
        lastImage = image;
        captured++;
        pending.push({ t: tms, image: image });
      } finally {
        grabbing = false; /* one frame at a time keeps the capture times in order */
      }
      if (pending.length >= batch) flush();
    }

    async function flush() {
      if (sending || stopSending || !pending.length) return;
      sending = true;
      var frames = pending.splice(0, ch.batch_max || 8);
      var r = await api('POST', '/api/h5/challenge/frames', { challenge_id: ch.challenge_id, seq: seq, frames: frames });
      sending = false;
      if (ep !== epoch) return;
      if (r.status === 410 || r.code === 'expired') { ended = true; return showExpired(); }
      if (r.status === 200 && r.body && r.body.result) {
        seq++;
        var a = r.body.result;
        if (a.hint) setText(ui.hint, hintKey(a.hint)); else setText(ui.hint, null);
        if (typeof a.actions_done === 'number' && a.actions_done >= n) doneSeen = true;
        if (typeof a.actions_done === 'number' && a.actions_done > idx && idx < n) {
          idx = Math.min(n, a.actions_done);
          stepStart = performance.now();
          showAction();
        }
      } else if (r.code === 'out_of_turn' && r.attempts > 1) {
        seq++; /* the lost answer's batch did arrive: go on with the next */
      } else {
        stopSending = true; /* void or full challenge: the finish call will say why */
      }
      if (pending.length >= batch || (ended && pending.length)) flush();
    }

    every(frame, Math.round(1000 / fps));
    every(function () {
      var now = performance.now();
      if (!ended && idx < n && now - stepStart >= stepMs) {
        idx++; stepStart = now; showAction();
      }
      var frac = idx >= n ? 1 : (idx + Math.min(1, (now - stepStart) / stepMs)) / n;
      ui.ring.style.strokeDashoffset = (circ * (1 - frac)).toFixed(1);
      if (!ended && (doneSeen || (idx >= n && now - stepStart >= tail) || now - t0 >= deadline ||
          (captured >= maxFrames && !grabbing))) end();
    }, 100);

    async function end() {
      ended = true;
      while (grabbing) await sleep(20);
      var waited = 0;
      while ((sending || pending.length) && !stopSending && waited < 15000) {
        if (!sending) flush();
        await sleep(50); waited += 50;
      }
      if (ep !== epoch) return;
      finish(ch);
    }
  }

  async function finish(ch) {
    stopCamera();
    var node = show('processing');
    var ep = epoch;
    var list = slot(node, 'steps');
    var items = ['proc_doc', 'proc_frames', 'proc_live', 'proc_match'].map(function (k, i) {
      var li = document.createElement('li');
      var label = document.createElement('span');
      setText(label, k);
      var state = document.createElement('span');
      state.className = 'state';
      li.appendChild(label); li.appendChild(state);
      list.appendChild(li);
      mark(li, i < 2 ? 'done' : 'busy');
      return li;
    });
    function mark(li, st) {
      li.className = st;
      setText(li.querySelector('.state'), st === 'done' ? 'proc_done_label' : st === 'busy' ? 'proc_busy_label' : null);
    }
    var r = await api('POST', '/api/h5/challenge/finish', { challenge_id: ch.challenge_id }, { timeout: 120000 });
    if (ep !== epoch) return;
    if (!ok(r, function () { finish(ch); })) return;
    var res = r.body.result;
    items.forEach(function (li) { mark(li, 'done'); });
    session.face_attempts_left = res.face_attempts_left;
    if (res.passed) { faceResult = null; return later(function () { nextStep(res.step, res.redirect, null); }, 400); }
    faceResult = res;
    if (res.step === 'selfie') return showFaceRetry(res);
    nextStep(res.step, res.redirect, res.reason);
  }

  function showFaceRetry(res) {
    var node = show('retry', {}, { again: beginChallenge });
    setText(slot(node, 'title'), 'retry_h_face');
    setText(slot(node, 'why'), hintKey(res.reason));
    setText(slot(node, 'left'), 'tries_left', { n: res.face_attempts_left });
    announce(t(hintKey(res.reason)));
  }

  /* ---------- the end ---------- */
  function safeRedirect(url) {
    if (!url) return null;
    try {
      var u = new URL(url, location.href);
      return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
    } catch (e) { return null; }
  }

  function showDone(redirect) {
    var to = safeRedirect(redirect);
    var node = show('done', { redirect: !!to }, { continue: function () { location.assign(to); } });
    if (to) {
      setText(slot(node, 'redir'), 'redirecting');
      later(function () { location.assign(to); }, 3000);
    }
  }

  function showFailed(redirect, why) {
    var to = safeRedirect(redirect);
    var node = show('failed', { redirect: !!to }, { continue: function () { location.assign(to); } });
    if (why && why !== 'attempts_used') {
      var w = slot(node, 'why'); w.hidden = false; setText(w, hintKey(why));
    }
    /* the spec's page goes back to the merchant when the attempts are used, too: after a
     * longer pause than a success, so that the reason can be read */
    if (to) {
      setText(slot(node, 'redir'), 'redirecting');
      later(function () { location.assign(to); }, 8000);
    }
  }

  function showExpired() { show('expired'); }
  function showInvalid() { show('invalid'); }
  function showError(retry) { show('error', {}, { retry: retry || loadSession }); }

  /* ---------- continue on a phone ---------- */
  function showPhone() {
    var node = show('phone', {}, {
      here: function () { routeFromSession(false); }
    });
    slot(node, 'qr').src = '/api/h5/qr.svg?token=' + encodeURIComponent(token);
    var status = slot(node, 'status');
    setText(status, session && session.step === 'selfie' ? 'phone_doc_done' : 'phone_wait');
    var ep = epoch, busy = false;
    every(async function () {
      if (busy) return;
      busy = true;
      var r = await xhr('GET', '/api/h5/session', undefined, { timeout: 10000 });
      busy = false;
      if (ep !== epoch || r.status === 0) return;
      if (r.status !== 200 || !r.body || !r.body.result) {
        r.code = r.body && r.body.code;
        return ok(r, showPhone);
      }
      var before = session.step;
      applySession(r.body.result);
      var s = session.step;
      if (s === 'done' || s === 'failed' || s === 'expired') return routeFromSession(false);
      if (s !== before) setText(status, s === 'selfie' ? 'phone_doc_done' : 'phone_wait');
    }, 3000);
  }

  /* ---------- go ---------- */
  window.addEventListener('pagehide', stopCamera);
  chrome();
  loadSession();
})();
