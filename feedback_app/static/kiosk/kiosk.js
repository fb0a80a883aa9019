/* The kiosk survey, enhanced: progress, an offline queue, and a reset after each citizen.

   Plain ES2017, no framework, no build step. Without this script the page is a working form.
   Every word it shows comes from the page (data- attributes rendered with the translations).
   Answers go into a queue in localStorage first, then to the JSON API; they leave the queue only
   when the server has stored them (200/201) or refused them for good (400). */
(function () {
  'use strict';

  const root = document.querySelector('[data-kiosk]');
  const form = document.getElementById('kiosk-form');
  if (!root || !form || !window.fetch) {
    return;
  }

  // Questions the server treats specially (surveys/defaults.py): shown only when they apply.
  const COMMENT = 'comment';
  const WANT_REPLY = 'want_reply';
  const REPLY_PHONE = 'reply_phone';
  const PHONE = /^\+?[0-9 .-]{8,20}$/;
  const DOSSIER = /^[A-Za-z0-9.-]{1,40}$/;
  const QUEUE_KEY = 'kiosk.queue.v1';
  const REFUSED_KEY = 'kiosk.refused.v1';
  const SKEW_KEY = 'kiosk.clockSkew';
  const INSTRUMENT_KEY = 'kiosk.instrument.';
  const RELOADED_KEY = 'kiosk.reloadedFor';
  const MIN_DELAY = 2000;
  const MAX_DELAY = 60000;

  const cfg = root.dataset;
  const words = document.getElementById('kiosk-text').dataset;
  const resetSeconds = Number(cfg.resetSeconds) || 10;
  const idleSeconds = Number(cfg.idleSeconds) || 60;
  const title = document.getElementById('kiosk-title');
  const alertBox = document.getElementById('kiosk-alert');
  const progressBox = root.querySelector('.kiosk-progress');
  const bar = progressBox.querySelector('progress');
  const progressText = document.getElementById('kiosk-progress-text');
  const thanks = document.getElementById('kiosk-thanks');
  const thanksTitle = document.getElementById('kiosk-thanks-title');
  const caseBox = thanks.querySelector('.kiosk-case');
  const savedNote = thanks.querySelector('.kiosk-saved');
  const countdown = thanks.querySelector('.kiosk-countdown');
  const queueNote = root.querySelector('.kiosk-queue');
  const dossierField = document.getElementById('dossier-field');
  const dossierInput = document.getElementById('dossier_code');
  const questions = Array.from(form.querySelectorAll('[data-code]'));
  const byCode = {};
  questions.forEach((el) => { byCode[el.dataset.code] = el; });

  function say(template, values) {
    return template.replace(/\{(\w+)\}/g, (all, key) => (key in values ? String(values[key]) : all));
  }

  // --- Storage: localStorage, with memory as the truth if the tablet refuses to store -------

  const memory = {};
  function load(key, fallback) {
    if (!(key in memory)) {
      try {
        const raw = localStorage.getItem(key);
        memory[key] = raw === null ? fallback : JSON.parse(raw);
      } catch (error) {
        memory[key] = fallback;
      }
    }
    return memory[key];
  }
  function store(key, value) {
    memory[key] = value;
    try {
      localStorage.setItem(key, JSON.stringify(value));
    } catch (error) {
      console.warn('kiosk: could not keep', key, error);
    }
  }

  // --- The queue ----------------------------------------------------------------------------

  let sending = false;
  let retryTimer = null;
  let delay = 0;

  function queue() { return load(QUEUE_KEY, []); }
  function setQueue(items) {
    store(QUEUE_KEY, items);
    queueNote.hidden = items.length === 0;
    queueNote.textContent = say(words.queued, { n: items.length });
  }
  function isQueued(uuid) { return queue().some((item) => item.body.client_uuid === uuid); }
  function withQuery(url, params) {
    const target = new URL(url, location.href);
    Object.keys(params).forEach((key) => target.searchParams.set(key, params[key]));
    return target.pathname + target.search;
  }
  function backoff() {
    delay = Math.min(MAX_DELAY, delay ? delay * 2 : MIN_DELAY);
    return delay / 2 + Math.random() * delay / 2;
  }

  async function flush() {
    if (sending) {
      return;
    }
    sending = true;
    clearTimeout(retryTimer);
    retryTimer = null;
    let wait = 0;
    try {
      while (queue().length) {
        const items = queue();
        const item = items[0];
        const outcome = await send(item, items.length - 1);
        if (!outcome.done) {
          wait = outcome.wait || backoff();
          break;
        }
        delay = 0;
        setQueue(queue().filter((other) => other.body.client_uuid !== item.body.client_uuid));
        delivered(item.body.client_uuid, outcome.reply);
      }
    } finally {
      sending = false;
      if (wait) {
        retryTimer = setTimeout(flush, wait);
      }
    }
  }

  // `queued` is how many other answers still wait on the tablet (the kiosk's staff page shows it).
  async function send(item, othersWaiting) {
    let response;
    try {
      response = await fetch(withQuery(item.url, { queued: othersWaiting }), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(item.body),
        credentials: 'same-origin',
        cache: 'no-store',
      });
    } catch (error) {
      return {};
    }
    const reply = await response.json().catch(() => null);
    // Only our API's own answers count: a Wi-Fi login page or a proxy's error page is not one.
    if ((response.status === 200 || response.status === 201) && reply && reply.id) {
      return { done: true, reply: reply };
    }
    if ((response.status === 400 && reply && reply.errors) || response.status === 413) {
      // It can never succeed: keep a short record for whoever looks after the tablet.
      console.error('kiosk: answers refused by the server', item.body.client_uuid, reply);
      store(REFUSED_KEY, load(REFUSED_KEY, []).concat([{ item: item, reply: reply }]).slice(-20));
      return { done: true, reply: null };
    }
    if (response.status === 429) {
      const after = Number(response.headers.get('Retry-After'));
      return { wait: after > 0 ? after * 1000 : backoff() };
    }
    return {}; // 5xx, 404 while the tablet is disabled, anything odd: keep it, try again later
  }

  // --- The instrument: a heartbeat, the server's clock, and news of a new version ------------

  async function refreshInstrument() {
    try {
      const response = await fetch(withQuery(cfg.api, { lang: cfg.lang, queued: queue().length }), {
        credentials: 'same-origin',
        cache: 'no-store',
      });
      if (!response.ok) {
        return;
      }
      const serverTime = Date.parse(response.headers.get('Date') || '');
      if (!isNaN(serverTime)) {
        store(SKEW_KEY, serverTime - Date.now());
      }
      const instrument = await response.json();
      store(INSTRUMENT_KEY + cfg.lang, instrument);
      if (instrument.instrument !== cfg.instrument && !dirty() && thanks.hidden &&
          load(RELOADED_KEY, '') !== instrument.instrument) {
        store(RELOADED_KEY, instrument.instrument);
        location.reload();
      }
    } catch (error) {
      // Offline: the cached copy and the page stay as they are.
    }
  }

  // The tablet's clock may be wrong; the server's (from the last Date header) decides.
  function answeredAt() {
    return new Date(Date.now() + Number(load(SKEW_KEY, 0) || 0)).toISOString();
  }

  function newUuid() {
    if (window.crypto && crypto.randomUUID) {
      return crypto.randomUUID();
    }
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)]
      .join('-');
  }

  // --- The form -----------------------------------------------------------------------------

  function control(el) { return el.querySelector('input:not([type=radio]), textarea'); }
  function answerOf(el) {
    if (el.dataset.kind === 'text') {
      return control(el).value.trim();
    }
    const checked = el.querySelector('input:checked');
    return checked ? checked.value : '';
  }
  function dirty() {
    return questions.some((el) => answerOf(el) !== '') || dossierInput.value.trim() !== '';
  }
  function clearField(el) {
    el.querySelectorAll('input[type=radio]').forEach((radio) => { radio.checked = false; });
    const text = control(el);
    if (text) {
      text.value = '';
    }
    clearError(el);
  }
  function show(el, visible) {
    if (el && el.hidden === visible) {
      el.hidden = !visible;
      if (!visible) {
        clearField(el);
      }
    }
  }
  function updateFollowUps() {
    const want = byCode[WANT_REPLY];
    show(want, !byCode[COMMENT] || answerOf(byCode[COMMENT]) !== '');
    show(byCode[REPLY_PHONE], !want || (!want.hidden && answerOf(want) === 'yes'));
  }
  function updateProgress() {
    const choices = questions.filter((el) => el.tagName === 'FIELDSET' && !el.hidden);
    const done = choices.filter((el) => answerOf(el) !== '').length;
    bar.max = choices.length;
    bar.value = done;
    progressText.textContent = say(words.progress, { done: done, total: choices.length });
  }

  function errorId(el) { return el === dossierField ? 'dossier_code-error' : 'q_' + el.dataset.code + '-error'; }
  function showError(el, message) {
    el.classList.add('has-error');
    let note = el.querySelector('.error');
    if (!note) {
      note = document.createElement('p');
      note.className = 'error';
      note.id = errorId(el);
      el.appendChild(note);
    }
    note.textContent = message;
    const target = control(el) || el;
    target.setAttribute('aria-describedby', (target === dossierInput ? 'dossier_code-hint ' : '') + note.id);
    if (target !== el) {
      target.setAttribute('aria-invalid', 'true');
    }
  }
  function clearError(el) {
    if (!el.classList.contains('has-error')) {
      return;
    }
    el.classList.remove('has-error');
    el.querySelectorAll('.error').forEach((note) => note.remove());
    const target = control(el) || el;
    target.removeAttribute('aria-invalid');
    if (target === dossierInput) {
      target.setAttribute('aria-describedby', 'dossier_code-hint');
    } else {
      target.removeAttribute('aria-describedby');
    }
  }

  function validate() {
    const problems = [];
    questions.forEach((el) => {
      clearError(el);
      if (!el.hidden && el.dataset.required === 'true' && answerOf(el) === '') {
        problems.push([el, words.required]);
      }
    });
    const phone = byCode[REPLY_PHONE];
    if (phone && !phone.hidden) {
      const number = answerOf(phone);
      const wanted = byCode[WANT_REPLY] && answerOf(byCode[WANT_REPLY]) === 'yes';
      if (wanted && !number) {
        problems.push([phone, words.phoneNeeded]);
      } else if (number && !PHONE.test(number)) {
        problems.push([phone, words.phone]);
      }
    }
    clearError(dossierField);
    const dossier = dossierInput.value.trim();
    if (dossier && !DOSSIER.test(dossier)) {
      problems.push([dossierField, words.dossier]);
    }
    problems.forEach((problem) => showError(problem[0], problem[1]));
    alertBox.hidden = problems.length === 0;
    if (problems.length) {
      const first = problems[0][0];
      first.scrollIntoView({ block: 'center' });
      (first.querySelector('input, textarea') || first).focus({ preventScroll: true });
    }
    return problems.length === 0;
  }

  function collect() {
    const answers = {};
    questions.forEach((el) => {
      const value = answerOf(el);
      if (!el.hidden && value !== '') {
        answers[el.dataset.code] = el.dataset.kind === 'likert5' && /^\d+$/.test(value)
          ? Number(value) : value;
      }
    });
    return answers;
  }

  // --- Thanks, and back to a blank survey ---------------------------------------------------

  let thanksUuid = null;
  let countdownTimer = null;
  let idleTimer = null;

  function startCountdown() {
    let left = resetSeconds;
    clearInterval(countdownTimer);
    countdown.textContent = say(words.countdown, { n: left });
    countdownTimer = setInterval(() => {
      left -= 1;
      if (left <= 0) {
        reset();
      } else {
        countdown.textContent = say(words.countdown, { n: left });
      }
    }, 1000);
  }

  function showThanks(uuid) {
    thanksUuid = uuid;
    clearTimeout(idleTimer);
    form.hidden = true;
    progressBox.hidden = true;
    caseBox.hidden = true;
    savedNote.hidden = true;
    thanks.hidden = false;
    window.scrollTo(0, 0);
    thanksTitle.focus();
    startCountdown();
    setTimeout(() => {
      if (thanksUuid === uuid && isQueued(uuid)) {
        savedNote.hidden = false;
      }
    }, 1500);
  }

  function delivered(uuid, reply) {
    if (uuid !== thanksUuid) {
      return;
    }
    savedNote.hidden = true;
    if (reply && reply.case_code) {
      caseBox.querySelector('.kiosk-code').textContent = reply.case_code;
      caseBox.hidden = false;
      startCountdown(); // the full time to note the code down
    }
  }

  function reset() {
    clearInterval(countdownTimer);
    clearTimeout(idleTimer);
    thanksUuid = null;
    if (cfg.lang !== cfg.defaultLang) {
      location.replace(cfg.home); // the next citizen starts in Vietnamese
      return;
    }
    questions.forEach(clearField);
    dossierInput.value = '';
    clearError(dossierField);
    alertBox.hidden = true;
    updateFollowUps();
    updateProgress();
    thanks.hidden = true;
    form.hidden = false;
    progressBox.hidden = false;
    window.scrollTo(0, 0);
    title.focus();
  }

  // An abandoned half-filled survey (or one left in another language) goes back to a blank one.
  function activity() {
    clearTimeout(idleTimer);
    if (thanks.hidden && (dirty() || cfg.lang !== cfg.defaultLang)) {
      idleTimer = setTimeout(reset, idleSeconds * 1000);
    }
  }

  // --- Offline: the service worker keeps the pages, script and style ------------------------

  async function prepareOffline() {
    if (!('serviceWorker' in navigator)) {
      return;
    }
    try {
      await navigator.serviceWorker.register(cfg.sw, { scope: cfg.scope });
      const registration = await navigator.serviceWorker.ready;
      const pages = [location.pathname + location.search].concat(cfg.pages.split(' '));
      const ready = await new Promise((resolve) => {
        const channel = new MessageChannel();
        channel.port1.onmessage = (event) => resolve(Boolean(event.data && event.data.ready));
        registration.active.postMessage({ warm: pages }, [channel.port2]);
        setTimeout(() => resolve(false), 20000);
      });
      if (ready) {
        root.dataset.offlineReady = 'true';
      }
    } catch (error) {
      console.warn('kiosk: no offline copy of the page', error);
    }
  }

  // --- Wiring -------------------------------------------------------------------------------

  form.noValidate = true;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!validate()) {
      return;
    }
    const body = {
      client_uuid: newUuid(),
      instrument: cfg.instrument,
      answers: collect(),
      language: cfg.lang,
      answered_at: answeredAt(),
    };
    const dossier = dossierInput.value.trim();
    if (dossier) {
      body.dossier_code = dossier;
    }
    setQueue(queue().concat([{ url: cfg.submit, body: body }]));
    showThanks(body.client_uuid);
    flush();
  });
  form.addEventListener('change', (event) => {
    const el = event.target.closest('[data-code]');
    if (el) {
      clearError(el);
    }
    updateFollowUps();
    updateProgress();
  });
  form.addEventListener('input', updateFollowUps);
  thanks.querySelector('button').addEventListener('click', reset);
  ['pointerdown', 'keydown', 'input', 'change'].forEach((type) => {
    document.addEventListener(type, activity, { capture: true, passive: true });
  });
  window.addEventListener('scroll', activity, { passive: true });
  // The heartbeat follows the queue's sending, so the count it reports is the one left.
  window.addEventListener('online', () => flush().then(refreshInstrument));

  root.classList.add('enhanced');
  progressBox.hidden = false;
  updateFollowUps();
  updateProgress();
  setQueue(queue());
  activity();
  flush().then(refreshInstrument);
  setInterval(refreshInstrument, 5 * 60 * 1000);
  prepareOffline();
})();
