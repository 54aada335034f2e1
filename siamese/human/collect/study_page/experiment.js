// The jsPsych timeline of a study made by `python -m siamese.human make-study` (window.STUDY: study.json).
// Every answer row carries: kind (main, practice, catch, repeat), trial_id, image_a, image_b, image_c, rating or
// chosen, rt (ms), PROLIFIC_PID, STUDY_ID, SESSION_ID (from the URL) and participant_session (random, per visit).
// With window.STUDY_SERVER (served by python -m siamese.rate) each answer is POSTed in order, retried until the
// server confirms it; a refusal (4xx) is shown and not retried.
(function () {
  "use strict";
  const S = window.STUDY;
  const SERVER = window.STUDY_SERVER || null;
  const status = document.getElementById("study-status");
  const jsPsych = initJsPsych({});
  const position = {};
  S.image_id.forEach((id, k) => { position[id] = k; });
  const escape = (text) => String(text).replace(/[&<>"']/g, (c) => "&#" + c.charCodeAt(0) + ";");
  const img = (id) => `<img src="images/${position[id]}.png" alt="" data-image="${escape(id)}">`;
  const randomHex = () => Array.from(crypto.getRandomValues(new Uint8Array(8)),
    (b) => b.toString(16).padStart(2, "0")).join("");
  const ids = {
    PROLIFIC_PID: jsPsych.data.getURLVariable("PROLIFIC_PID") || "",
    STUDY_ID: jsPsych.data.getURLVariable("STUDY_ID") || "",
    SESSION_ID: jsPsych.data.getURLVariable("SESSION_ID") || "",
    participant_session: randomHex(),
  };
  jsPsych.data.addProperties({ ...ids, study_task: S.task });

  // ------------------------------------------------------------------------------------- sending, in order
  const sent = { token: null, queue: [], sending: false, seq: 0, confirmed: 0, refused: [] };
  window.studyState = sent; // read by the tests and by a researcher piloting in the browser console
  window.studyJsPsych = jsPsych; // e.g. studyJsPsych.data.get().csv() in the console
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  async function post(path, body) {
    const headers = { "Content-Type": "application/json" };
    if (sent.token) headers["X-Study-Token"] = sent.token;
    try {
      const reply = await fetch(path, { method: "POST", headers, body: JSON.stringify(body), cache: "no-store" });
      let payload = {};
      try { payload = await reply.json(); } catch (e) { payload = {}; }
      return { status: reply.status, payload };
    } catch (e) {
      return { status: 0, payload: { error: "no connection" } };
    }
  }
  const transient = (code) => code === 0 || code === 408 || code === 429 || code >= 500;
  async function pump() {
    if (sent.sending || !SERVER) return;
    sent.sending = true;
    while (sent.queue.length) {
      const item = sent.queue[0];
      const reply = await post(SERVER.answer, item);
      if (reply.status === 200) {
        sent.queue.shift();
        sent.confirmed += 1;
        status.textContent = "";
      } else if (transient(reply.status)) {
        status.textContent = "Connection lost; your answers are kept and sent again in a moment...";
        await sleep(500);
      } else {
        sent.queue.shift();
        sent.refused.push({ seq: item.seq, status: reply.status, error: String(reply.payload.error || "") });
        status.textContent = "Not saved: " + String(reply.payload.error || reply.status);
      }
    }
    sent.sending = false;
  }
  function send(answer) {
    if (!SERVER) return; // no server: jsPsych keeps the data (localSave at the end)
    answer.seq = sent.seq;
    sent.seq += 1;
    sent.queue.push(answer);
    pump();
  }

  // ------------------------------------------------------------------------------------------------ trials
  function answerTrial(trial, kind) {
    const shown = trial.images;
    const base = {
      type: jsPsychHtmlButtonResponse,
      data: { kind, trial_id: trial.trial_id, image_a: shown[0], image_b: shown[1], image_c: shown[2] || null },
    };
    const head = `<div class="study-trial" data-trial-id="${escape(trial.trial_id)}" data-kind="${kind}">`;
    if (S.task === "rating") {
      const labels = [];
      for (let v = S.scale[0]; v <= S.scale[1]; v += 1) labels.push(String(v));
      return { ...base, stimulus: `${head}<p>${escape(S.question)}</p><div class="study-images">${img(shown[0])}${img(shown[1])}</div></div>`,
        choices: labels, prompt: `<p>${S.scale[0]} = not alike at all, ${S.scale[1]} = the same</p>`,
        on_finish: (data) => { data.rating = S.scale[0] + data.response; finish(data, data.rating); } };
    }
    const options = S.task === "2afc" ? shown.slice(1) : shown.slice();
    const order = jsPsych.randomization.shuffle(options);
    const anchor = S.task === "2afc" ? `<div class="study-images">${img(shown[0])}</div>` : "";
    return { ...base, stimulus: `${head}<p>${escape(S.question)}</p>${anchor}</div>`, choices: order,
      button_html: (choice) => `<button class="jspsych-btn study-choice" data-image="${escape(choice)}">${img(choice)}</button>`,
      button_layout: "flex",
      on_finish: (data) => { data.chosen = order[data.response]; finish(data, data.chosen); } };
  }
  function finish(data, response) {
    if (data.kind === "practice") return;
    send({ kind: data.kind, trial_id: data.trial_id, response, rt: data.rt });
  }

  const consent = {
    type: jsPsychHtmlButtonResponse,
    stimulus: `<h2>Consent</h2><p>You will see images and answer one question about them: "${escape(S.question)}"
      Your answers, their timing and your Prolific ID are stored for research; nothing else about you is.
      You may stop at any time.</p><p>Do you agree to take part?</p>`,
    choices: ["I agree", "I do not agree"],
    data: { kind: "consent" },
    on_finish: (data) => { if (data.response !== 0) jsPsych.abortExperiment("<p>Thank you. You did not agree, so the study ends here; please return it.</p>"); },
  };
  const start = {
    type: jsPsychCallFunction, async: true,
    func: async (done) => {
      if (SERVER) {
        for (;;) {
          const reply = await post(SERVER.start, ids);
          if (reply.status === 200) { sent.token = reply.payload.token; break; }
          status.textContent = "Cannot reach the study server: " + String(reply.payload.error || reply.status);
          if (!transient(reply.status)) return;
          await sleep(1000);
        }
        status.textContent = "";
      }
      done({ kind: "start" });
    },
  };
  const instructions = {
    type: jsPsychInstructions, show_clickable_nav: true, data: { kind: "instructions" },
    pages: [`<p>${escape(S.question)}</p><p>Answer with the buttons. There are no right or wrong answers:
      go with your first impression. Some images come back a second time; a few trials check attention.</p>`,
      "<p>First a few practice trials, which are not scored.</p>"],
  };
  const practice = S.trials.filter((t) => t.kind === "practice").map((t) => answerTrial(t, "practice"));
  const begin = { type: jsPsychHtmlButtonResponse, stimulus: "<p>The practice is over. Now the study begins.</p>",
    choices: ["Begin"], data: { kind: "instructions" } };
  const main = jsPsych.randomization.shuffle(S.trials.filter((t) => t.kind === "main" || t.kind === "catch"))
    .map((t) => answerTrial(t, t.kind));
  const byId = Object.fromEntries(S.trials.map((t) => [t.trial_id, t]));
  const repeats = jsPsych.randomization.shuffle(S.repeats.slice()).map((id) => answerTrial(byId[id], "repeat"));
  const comment = {
    type: jsPsychSurveyHtmlForm, data: { kind: "comment" },
    html: '<p>Any comments (optional)?</p><textarea name="comment" id="study-comment" rows="4" cols="50" maxlength="1000"></textarea>',
    on_finish: (data) => {
      const text = ((data.response || {}).comment || "").trim();
      if (text) send({ kind: "comment", trial_id: "comment", response: text, rt: data.rt });
    },
  };
  const save = {
    type: jsPsychCallFunction, async: true,
    func: async (done) => {
      if (SERVER) {
        status.textContent = "Saving your answers...";
        while (sent.queue.length || sent.sending) await sleep(100);
        await post(SERVER.finish, {});
        if (!sent.refused.length) status.textContent = ""; // a refusal stays on screen
      } else {
        jsPsych.data.get().localSave("json", `study-${ids.PROLIFIC_PID || ids.participant_session}.json`);
      }
      done({ kind: "saved" });
    },
  };
  const done = {
    type: jsPsychHtmlButtonResponse, choices: [], data: { kind: "done" },
    stimulus: () => {
      const link = ids.PROLIFIC_PID ? `<p><a id="study-complete" href="${escape(S.completion_url)}">Back to Prolific</a></p>` : "";
      const local = SERVER ? "" : "<details><summary>Your data</summary><pre id=\"study-data\"></pre></details>";
      return `<div id="study-done"><p>Thank you! Your completion code is <b id="study-code">${escape(S.completion_code)}</b>.</p>${link}${local}</div>`;
    },
    on_load: () => {
      const pre = document.getElementById("study-data");
      if (pre) pre.textContent = jsPsych.data.get().json();
    },
  };
  jsPsych.run([consent, start, instructions, ...practice, begin, ...main, ...repeats, comment, save, done]);
})();
