/* The kiosk survey, enhanced: screens instead of one long form, an offline queue, invitations
   from the counter, a fresh survey for each citizen. Plain ES2017, no framework, no build step;
   without it the page is a working form. Every word shown comes from data- attributes.

   data-mode "quick": the overall faces; a low tap asks what was not good, a high tap thanks at
   once and offers the rest. "full": every question, one per screen. Only one rating is needed,
   and no tap is lost: from the first rating the answers sit in the localStorage queue as a
   *held* item, updated as the citizen goes on and released when the survey ends. Items leave
   the queue only when the server stored them (200/201) or refused them for good (400). */
(function () {
  'use strict';

  const $ = (selector) => document.querySelector(selector);
  const root = $('[data-kiosk]');
  const form = $('#kiosk-form');
  if (!root || !form || !window.fetch) {
    return;
  }

  // Questions the server treats specially (surveys/defaults.py).
  const COMMENT = 'comment';
  const WANT_REPLY = 'want_reply';
  const REPLY_PHONE = 'reply_phone';
  const PHONE = /^\+?[0-9 .-]{8,20}$/;
  const DOSSIER = /^[A-Za-z0-9.-]{1,40}$/;
  const QUEUE_KEY = 'kiosk.queue.v1';
  const REFUSED_KEY = 'kiosk.refused.v1';
  const SKEW_KEY = 'kiosk.clockSkew';
  const RELOADED_KEY = 'kiosk.reloadedFor';
  const USED_KEY = 'kiosk.invitationsUsed';
  const CARRY_KEY = 'kiosk.carry'; // sessionStorage: a survey going on in the other language
  const MIN_DELAY = 2000;
  const MAX_DELAY = 60000;
  const POLL_MS = 1500;
  const ADVANCE_MS = 250; // long enough to see the tick on the chosen face

  const cfg = root.dataset;
  const words = $('#kiosk-text').dataset;
  const resetSeconds = Number(cfg.resetSeconds) || 10;
  const idleSeconds = Number(cfg.idleSeconds) || 60;
  const alertBox = $('#kiosk-alert');
  const invite = $('#kiosk-invite');
  const intro = $('.kiosk-intro');
  const stepNote = $('#kiosk-step');
  const backButton = $('.kiosk-back');
  const nextButton = $('.kiosk-next');
  const submitButton = $('.kiosk-submit');
  const doneButton = $('.kiosk-done');
  const thanks = $('#kiosk-thanks');
  const caseBox = thanks.querySelector('.kiosk-case');
  const savedNote = thanks.querySelector('.kiosk-saved');
  const countdown = thanks.querySelector('.kiosk-countdown');
  const moreButton = thanks.querySelector('.kiosk-more');
  const queueNote = $('.kiosk-queue');
  const bigButton = $('.kiosk-big');
  const langLink = $('.kiosk-lang');
  const dossierField = $('#dossier-field');
  const dossierInput = $('#dossier_code');
  const questions = Array.from(form.querySelectorAll('[data-code]'));
  const byCode = {};
  questions.forEach((el) => { byCode[el.dataset.code] = el; });
  const screens = questions.concat(dossierField); // what a screen is made of
  const overallEl = byCode[cfg.overall];
  const reasonsEl = byCode[cfg.reasons];
  // Quick mode needs the overall question; an instrument without one is shown in full.
  const quickMode = cfg.mode !== 'full' && Boolean(overallEl);

  function say(template, values) {
    return template.replace(/\{(\w+)\}/g, (all, key) => (key in values ? String(values[key]) : all));
  }

  // --- Storage: localStorage, with memory as the truth if the tablet refuses to store ---

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

  // --- The queue: responses and abandon reports, keyed by client_uuid ---

  let sending = false;
  let retryTimer = null;
  let delay = 0;

  function queue() { return load(QUEUE_KEY, []); }
  function waiting() { return queue().filter((item) => !item.held); }
  function setQueue(items) {
    store(QUEUE_KEY, items);
    const n = waiting().length;
    queueNote.hidden = n === 0;
    queueNote.textContent = say(words.queued, { n: n });
  }
  function find(uuid) { return queue().find((item) => item.body.client_uuid === uuid); }
  function without(uuid) { return queue().filter((item) => item.body.client_uuid !== uuid); }
  // Replace the item with the same client_uuid in place (its turn in the queue stays), or add it.
  function put(item) {
    const items = queue().slice();
    const at = items.findIndex((other) => other.body.client_uuid === item.body.client_uuid);
    if (at < 0) {
      items.push(item);
    } else {
      items[at] = item;
    }
    setQueue(items);
  }
  // A held item goes out now; nothing more will be added to it.
  function release(uuid) {
    const item = find(uuid);
    if (item && item.held) {
      put(Object.assign({}, item, { held: false }));
    }
    flush();
  }
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
      let item;
      while ((item = waiting()[0])) {
        const outcome = await send(item, waiting().length - 1);
        if (!outcome.done) {
          wait = outcome.wait || backoff();
          break;
        }
        delay = 0;
        setQueue(without(item.body.client_uuid));
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
      console.error('kiosk: refused by the server', item.body.client_uuid, reply);
      store(REFUSED_KEY, load(REFUSED_KEY, []).concat([{ item: item, reply: reply }]).slice(-20));
      return { done: true, reply: null };
    }
    if (response.status === 429) {
      const after = Number(response.headers.get('Retry-After'));
      return { wait: after > 0 ? after * 1000 : backoff() };
    }
    return {}; // 5xx, 404 while the tablet is disabled, anything odd: keep it, try again later
  }

  // --- The server's clock: the tablet's may be wrong, each answer's Date header decides ---

  function noteClock(response) {
    const serverTime = Date.parse(response.headers.get('Date') || '');
    if (!isNaN(serverTime)) {
      store(SKEW_KEY, serverTime - Date.now());
    }
  }
  function serverNow() { return Date.now() + Number(load(SKEW_KEY, 0) || 0); }
  function serverIso() { return new Date(serverNow()).toISOString(); }

  // --- The instrument: a heartbeat, and news of a new version ---

  async function refreshInstrument() {
    try {
      const url = withQuery(cfg.api, { lang: cfg.lang, queued: waiting().length });
      const response = await fetch(url, { credentials: 'same-origin', cache: 'no-store' });
      if (!response.ok) {
        return;
      }
      noteClock(response);
      const instrument = await response.json();
      if (instrument.instrument !== cfg.instrument && untouched() &&
          load(RELOADED_KEY, '') !== instrument.instrument) {
        store(RELOADED_KEY, instrument.instrument);
        location.reload();
      }
    } catch (error) {
      // Offline: the cached copy and the page stay as they are.
    }
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

  // --- Answers ---

  function control(el) { return el.querySelector('input[type=text], input[type=tel], textarea'); }
  // A question's answer: text, an option code, a list of codes (multi_choice), or '' for none.
  function answerOf(el) {
    const kind = el.dataset.kind;
    if (kind === 'text') {
      return control(el).value.trim();
    }
    const checked = Array.from(el.querySelectorAll('input:checked'), (input) => input.value);
    if (kind === 'multi_choice') {
      return checked.length ? checked : '';
    }
    return checked[0] || '';
  }
  function rating(el) {
    const value = el && el.dataset.kind === 'likert5' ? answerOf(el) : '';
    return /^[1-5]$/.test(value) ? Number(value) : 0;
  }
  function low() { return rating(overallEl) > 0 && rating(overallEl) <= 2; }

  // What goes to the server. A phone number or dossier code that would make the server refuse
  // the whole answer set is left out rather than lose the ratings (a finished survey checks
  // them first, in validate()).
  function collect() {
    const answers = {};
    questions.forEach((el) => {
      const value = answerOf(el);
      if (!el.hidden && value !== '') {
        answers[el.dataset.code] = rating(el) || value;
      }
    });
    if (answers[REPLY_PHONE] && !PHONE.test(answers[REPLY_PHONE])) {
      delete answers[REPLY_PHONE];
    }
    if (answers[WANT_REPLY] === 'yes' && !answers[REPLY_PHONE]) {
      delete answers[WANT_REPLY];
    }
    return answers;
  }
  function rated(answers) {
    return Object.keys(answers).some((code) => rating(byCode[code]) > 0);
  }
  function dossierCode() {
    const dossier = dossierInput.value.trim();
    return DOSSIER.test(dossier) ? dossier : '';
  }

  // --- The survey in progress ---

  // flow: 'quick' (the faces), 'low' (what was not good), 'more' (the rest, after a high tap),
  // 'full' (every question). `touched`: a citizen used the screen; `invited`: an invitation was
  // shown. Either starts the survey: if it ends with no rating, that is reported as abandoned.
  let survey = null;
  function newSurvey() {
    return {
      uuid: newUuid(),
      flow: quickMode ? 'quick' : 'full',
      step: 0,
      touched: false,
      invited: false,
      invitation: null,
      ratedAt: null,
      flowDone: false,
      ended: false,
    };
  }
  function started() { return survey.touched || survey.invited; }
  function untouched() { return !started() && !find(survey.uuid) && thanks.hidden; }

  function bodyOf(answers) {
    const body = {
      client_uuid: survey.uuid,
      instrument: cfg.instrument,
      answers: answers,
      language: cfg.lang,
      answered_at: survey.ratedAt,
      // Partial unless the citizen reached the end of the flow (a high tap ends the quick one).
      partial: !survey.flowDone,
    };
    if (survey.invitation) {
      body.invitation = survey.invitation.id; // the server adds its dossier code and officer
    }
    if (dossierCode()) {
      body.dossier_code = dossierCode();
    }
    return body;
  }

  // After every change: the answer set, held in the queue from the first rating on.
  function keep() {
    if (survey.ended) {
      return;
    }
    const answers = collect();
    if (!rated(answers)) {
      if (find(survey.uuid)) {
        setQueue(without(survey.uuid)); // "no opinion" replaced the only rating
      }
      return;
    }
    if (!survey.ratedAt) {
      survey.ratedAt = serverIso();
      if (survey.invitation) {
        markUsed(survey.invitation.id);
      }
    }
    put({ url: cfg.submit, held: true, body: bodyOf(answers) });
  }

  function abandon() {
    put({
      url: cfg.abandoned,
      body: { client_uuid: survey.uuid, answered_at: serverIso(), invited: survey.invited },
    });
  }

  // The end of a survey: 'complete' (the flow's end), 'done' (the citizen said so), 'idle'.
  function finish(how) {
    clearTimeout(idleTimer);
    if (how === 'complete') {
      survey.flowDone = true;
    }
    keep();
    survey.ended = true;
    if (!find(survey.uuid)) {
      if (started()) {
        abandon(); // sent by reset(), with whatever else waits
      }
      reset();
      return;
    }
    release(survey.uuid);
    if (how === 'idle') {
      reset(); // nobody is there to thank
    } else {
      showThanks(false);
    }
  }

  // --- Screens ---

  // The screens of the current flow, each a list of fields. The follow-ups of the comment and
  // the dossier code share the last screen; the reasons are asked only after a low rating.
  function steps() {
    if (survey.flow === 'quick') {
      return [[overallEl]];
    }
    if (survey.flow === 'low') {
      return [[reasonsEl, byCode[COMMENT], byCode[WANT_REPLY], byCode[REPLY_PHONE]]
        .filter(Boolean)];
    }
    const list = [];
    questions.forEach((el) => {
      const code = el.dataset.code;
      if ((survey.flow === 'more' && el === overallEl) || (el === reasonsEl && !low())) {
        return;
      }
      if ((code === WANT_REPLY || code === REPLY_PHONE) && list.length) {
        list[list.length - 1].push(el);
      } else {
        list.push([el]);
      }
    });
    const invited = survey.invitation && survey.invitation.dossier_code;
    if (!invited && list.length) {
      list[list.length - 1].push(dossierField);
    }
    return list;
  }
  function lastStep() { return survey.step >= steps().length - 1; }
  function firstScreen() {
    return survey.step === 0 && (survey.flow === 'quick' || survey.flow === 'full');
  }
  // A screen that is one question with one answer: a tap on it is the whole screen's work.
  function choiceStep(fields) {
    const kind = fields.length === 1 ? fields[0].dataset.kind : 'text';
    return kind !== 'text' && kind !== 'multi_choice';
  }

  function render(focus) {
    const list = steps();
    survey.step = Math.max(0, Math.min(survey.step, list.length - 1));
    const fields = list[survey.step] || [];
    screens.forEach((el) => el.classList.toggle('on-step', fields.includes(el)));
    root.dataset.flow = survey.flow;
    root.dataset.step = survey.step;
    const first = firstScreen();
    intro.hidden = !first;
    stepNote.hidden = survey.flow === 'quick' || survey.flow === 'low';
    stepNote.textContent = say(words.step, { n: survey.step + 1, total: list.length });
    backButton.hidden = survey.step === 0 && survey.flow !== 'low';
    const ending = lastStep() && survey.flow !== 'quick';
    submitButton.hidden = !ending;
    // A keyboard user moves through the faces with the arrow keys: Next confirms the choice.
    nextButton.hidden = ending || (survey.flow === 'quick' && !rating(overallEl));
    doneButton.hidden = first && !find(survey.uuid);
    updateFollowUps();
    renderInvitation();
    if (focus && fields[0]) {
      window.scrollTo(0, 0);
      fields[0].focus({ preventScroll: true });
    }
  }

  function go(by) {
    survey.step += by;
    if (survey.flow === 'low' && survey.step < 0) {
      survey.flow = 'quick'; // back to the faces, to change the rating
      survey.step = 0;
    }
    render(true);
  }

  // The overall faces in quick mode: a low rating asks why, a high one thanks at once.
  function quickRated() {
    if (low() && (reasonsEl || byCode[COMMENT])) {
      survey.flow = 'low';
      survey.step = 0;
      render(true);
      return;
    }
    survey.flowDone = true;
    keep();
    survey.flow = 'more';
    survey.step = 0;
    showThanks(steps().length > 0);
  }

  let arrowAt = 0;
  let advanceTimer = null;
  // A tap on a choice moves on by itself; a choice made with the arrow keys does not (each arrow
  // press changes the choice, and the citizen may not have arrived yet).
  function autoAdvance(el) {
    const fields = steps()[survey.step] || [];
    if (Date.now() - arrowAt < 500 || fields[0] !== el || !choiceStep(fields)) {
      return;
    }
    const at = survey.flow + survey.step;
    clearTimeout(advanceTimer);
    advanceTimer = setTimeout(() => {
      if (at !== survey.flow + survey.step || survey.ended) {
        return;
      }
      if (survey.flow === 'quick') {
        quickRated();
      } else if (!lastStep()) {
        go(1);
      }
    }, ADVANCE_MS);
  }

  // --- Follow-ups and errors ---

  function clearField(el) {
    el.querySelectorAll('input:checked').forEach((input) => { input.checked = false; });
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
  // The reply questions only after a comment; the reasons only after a low overall rating.
  function updateFollowUps() {
    const want = byCode[WANT_REPLY];
    show(want, !byCode[COMMENT] || answerOf(byCode[COMMENT]) !== '');
    show(byCode[REPLY_PHONE], !want || (!want.hidden && answerOf(want) === 'yes'));
    show(reasonsEl, !overallEl || low());
  }

  // An error note under a field, tied to its input; the dossier code keeps its hint as well.
  function showError(el, message) {
    clearError(el);
    const input = control(el);
    const note = document.createElement('p');
    note.className = 'error';
    note.id = input.id + '-error';
    note.textContent = message;
    el.classList.add('has-error');
    el.appendChild(note);
    input.setAttribute('aria-invalid', 'true');
    const hint = input === dossierInput ? 'dossier_code-hint ' : '';
    input.setAttribute('aria-describedby', hint + note.id);
  }
  function clearError(el) {
    el.classList.remove('has-error');
    el.querySelectorAll('.error').forEach((note) => note.remove());
    const target = control(el) || el; // a choice's error (from the plain form) is on its fieldset
    target.removeAttribute('aria-invalid');
    if (target === dossierInput) {
      target.setAttribute('aria-describedby', 'dossier_code-hint');
    } else {
      target.removeAttribute('aria-describedby');
    }
  }

  // Only what the citizen wrote can be wrong: nothing is required.
  function validate() {
    const problems = [];
    const phone = byCode[REPLY_PHONE];
    [phone, dossierField].forEach((el) => el && clearError(el));
    if (phone && !phone.hidden) {
      const number = answerOf(phone);
      const wanted = byCode[WANT_REPLY] && answerOf(byCode[WANT_REPLY]) === 'yes';
      if (wanted && !number) {
        problems.push([phone, words.phoneNeeded]);
      } else if (number && !PHONE.test(number)) {
        problems.push([phone, words.phone]);
      }
    }
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

  // --- Thanks, and back to a blank survey ---

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

  // `more`: a high tap in quick mode; the rating is held until the countdown ends, so that
  // "Tell us more" adds to the same response.
  function showThanks(more) {
    clearTimeout(idleTimer);
    const uuid = survey.uuid;
    form.hidden = true;
    stepNote.hidden = true;
    intro.hidden = true;
    caseBox.hidden = true;
    savedNote.hidden = true;
    moreButton.hidden = !more;
    thanks.hidden = false;
    renderInvitation();
    window.scrollTo(0, 0);
    thanks.querySelector('h2').focus();
    startCountdown();
    setTimeout(() => {
      const item = find(uuid);
      if (survey.uuid === uuid && item && !item.held) {
        savedNote.hidden = false;
      }
    }, 1500);
  }

  function tellMore() {
    clearInterval(countdownTimer);
    thanks.hidden = true;
    form.hidden = false;
    render(true);
    activity();
  }

  function delivered(uuid, reply) {
    if (uuid !== survey.uuid || thanks.hidden) {
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
    clearTimeout(advanceTimer);
    release(survey.uuid);
    if (cfg.lang !== cfg.defaultLang) {
      location.replace(cfg.home); // the next citizen starts in Vietnamese
      return;
    }
    questions.forEach(clearField);
    dossierInput.value = '';
    clearError(dossierField);
    alertBox.hidden = true;
    setBig(false);
    survey = newSurvey();
    thanks.hidden = true;
    form.hidden = false;
    offer(pending);
    render(false);
    window.scrollTo(0, 0);
    $('#kiosk-title').focus();
  }

  // A survey left alone ends: what was answered is sent, marked partial. A tablet left in
  // another language returns to the default one.
  function activity(event) {
    if (event && thanks.hidden && survey && !survey.ended) {
      survey.touched = true;
    }
    clearTimeout(idleTimer);
    if (thanks.hidden && (survey.touched || cfg.lang !== cfg.defaultLang)) {
      idleTimer = setTimeout(() => finish('idle'), idleSeconds * 1000);
    }
  }

  // --- Invitations from the counter ---

  // The newest open invitation the server knows (null: none). It goes to the survey on screen
  // unless that one is already rated; then to the next.
  let pending = null;
  let polling = false;

  function markUsed(id) {
    store(USED_KEY, load(USED_KEY, []).concat([id]).slice(-20));
  }
  function usable(invitation) {
    return invitation && !load(USED_KEY, []).includes(invitation.id) &&
      Date.parse(invitation.expires_at) > serverNow();
  }

  async function poll() {
    expire();
    if (polling || !navigator.onLine || !cfg.invitation) {
      return;
    }
    polling = true;
    try {
      const response = await fetch(cfg.invitation, { cache: 'no-store' });
      noteClock(response);
      if (response.ok) {
        const reply = await response.json();
        if (reply && 'invitation' in reply) {
          offer(reply.invitation);
        }
      }
    } catch (error) {
      // Offline or the server away: no invitation this time.
    } finally {
      polling = false;
    }
  }

  function offer(invitation) {
    pending = usable(invitation) ? invitation : null;
    if (survey.ratedAt || !thanks.hidden || survey.ended) {
      return;
    }
    const current = survey.invitation;
    if (current && pending && pending.id === current.id) {
      return; // nothing new: most polls
    }
    if (current) {
      // Replaced by a newer one (the officer invited the next citizen) or cancelled.
      dropInvitation(Boolean(pending));
      if (survey.ended || survey.invitation) {
        return; // a fresh survey has taken the new one already
      }
    }
    if (pending) {
      survey.invitation = pending;
      survey.invited = true;
    }
    if (current || pending) {
      render(false);
    }
  }

  // At expires_at (the server's clock) an unrated invitation is dropped.
  function expire() {
    const current = survey.invitation;
    if (pending && !usable(pending)) {
      pending = null;
    }
    if (current && !survey.ratedAt && !survey.ended && !usable(current)) {
      dropInvitation(true);
      render(false);
    }
  }

  // The invited citizen never touched the screen: that survey ended unanswered.
  function dropInvitation(abandoned) {
    survey.invitation = null;
    if (abandoned && !survey.touched) {
      finish('idle');
    }
  }

  // Rebuilt only when it changes: it is a live region, and each rebuild would be read out again.
  function renderInvitation() {
    const invitation = survey.invitation;
    const lines = [];
    if (invitation && firstScreen() && thanks.hidden) {
      lines.push(words.invited);
      if (invitation.officer) {
        lines.push(say(words.officer, { name: invitation.officer }));
      }
      if (invitation.dossier_code) {
        lines.push(say(words.dossierCode, { code: invitation.dossier_code }));
      }
      if (invitation.procedure) {
        lines.push(say(words.procedure, { name: invitation.procedure }));
      }
    }
    if (invite.dataset.shown === lines.join('\n')) {
      return;
    }
    invite.dataset.shown = lines.join('\n');
    invite.textContent = '';
    lines.forEach((line) => {
      const p = document.createElement('p');
      p.textContent = line;
      invite.appendChild(p);
    });
  }

  // --- Larger text, and a language switch that keeps the answers ---

  function bigText() { return bigButton.getAttribute('aria-pressed') === 'true'; }
  function setBig(on) {
    document.documentElement.classList.toggle('big-text', on);
    bigButton.setAttribute('aria-pressed', String(on));
  }

  // The other language is another page: the survey in progress goes along in sessionStorage.
  const answerInput = (input) => input.name.startsWith('q_') || input === dossierInput;
  function carry() {
    if (!thanks.hidden || survey.ended) {
      return;
    }
    const values = Array.from(form.elements).filter(answerInput).map((input) => (
      input.checked || !/radio|checkbox/.test(input.type) ? [input.name, input.value] : null
    )).filter(Boolean);
    const big = bigText();
    try {
      const at = Date.now();
      sessionStorage.setItem(CARRY_KEY, JSON.stringify({ survey, pending, values, big, at }));
    } catch (error) {
      // Private mode: the switch starts afresh, and the held answers are sent at the next load.
    }
  }

  function restore() {
    let saved = null;
    try {
      saved = JSON.parse(sessionStorage.getItem(CARRY_KEY) || 'null');
      sessionStorage.removeItem(CARRY_KEY);
    } catch (error) {
      return false;
    }
    if (!saved || Date.now() - saved.at > idleSeconds * 1000) {
      return false;
    }
    Array.from(form.elements).filter(answerInput).forEach((input) => {
      const mine = saved.values.filter((pair) => pair[0] === input.name).map((pair) => pair[1]);
      if (/radio|checkbox/.test(input.type)) {
        input.checked = mine.includes(input.value);
      } else {
        input.value = mine[0] || '';
      }
    });
    survey = saved.survey;
    pending = saved.pending;
    setBig(saved.big);
    return true;
  }

  // --- Offline: the service worker keeps the pages, script and style ---

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

  // --- Wiring ---

  form.noValidate = true;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (validate()) {
      finish('complete');
    }
  });
  form.addEventListener('change', (event) => {
    const el = event.target.closest('[data-code]');
    if (el) {
      clearError(el);
    }
    updateFollowUps();
    keep();
    render(false);
  });
  // On click, not change: a tap on the answer already chosen (after Back) moves on as well.
  form.addEventListener('click', (event) => {
    if (event.target.type === 'radio') {
      autoAdvance(event.target.closest('[data-code]'));
    }
  });
  form.addEventListener('input', () => {
    updateFollowUps();
    keep();
  });
  backButton.addEventListener('click', () => go(-1));
  nextButton.addEventListener('click', () => (survey.flow === 'quick' ? quickRated() : go(1)));
  doneButton.addEventListener('click', () => {
    if (validate()) {
      finish('done');
    }
  });
  moreButton.addEventListener('click', tellMore);
  thanks.querySelector('.kiosk-again').addEventListener('click', reset);
  bigButton.addEventListener('click', () => setBig(!bigText()));
  langLink.addEventListener('click', carry);
  document.addEventListener('keydown', (event) => {
    if (event.key.startsWith('Arrow')) {
      arrowAt = Date.now();
    }
  }, true);
  ['pointerdown', 'keydown', 'input', 'change'].forEach((type) => {
    document.addEventListener(type, activity, { capture: true, passive: true });
  });
  window.addEventListener('scroll', () => activity(), { passive: true });
  // The heartbeat follows the queue's sending, so the count it reports is the one left.
  window.addEventListener('online', () => flush().then(refreshInstrument));

  root.classList.add('enhanced');
  form.classList.add('stepped');
  bigButton.hidden = false;
  if (quickMode) {
    intro.textContent = words.quickIntro;
  }
  screens.forEach((el) => el.setAttribute('tabindex', '-1')); // focused as each screen opens
  // Answers held by a page that is gone (a crash, a reload) are sent now, except the survey
  // carried over a language switch, which goes on here.
  survey = newSurvey();
  const goingOn = restore();
  queue().filter((item) => item.held && !(goingOn && item.body.client_uuid === survey.uuid))
    .forEach((item) => release(item.body.client_uuid));
  updateFollowUps();
  render(false);
  setQueue(queue());
  activity();
  flush().then(refreshInstrument);
  setInterval(refreshInstrument, 5 * 60 * 1000);
  poll();
  setInterval(poll, POLL_MS);
  prepareOffline();
})();
