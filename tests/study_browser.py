"""A participant in real headless Chromium (``cdp_browser``) going through a study page of ``make-study``: agrees,
reads the instructions, answers every trial with ``answer(trial_id, kind, choices) -> button index``, writes a
comment, and reads the completion code."""

from __future__ import annotations

import json
import time

STEP = r"""(() => {
  const q = (s) => document.querySelector(s);
  if (q('#study-done')) return {state: 'done', code: q('#study-code').textContent};
  const trial = q('.study-trial');
  const buttons = [...document.querySelectorAll('#jspsych-html-button-response-btngroup button')];
  if (trial) {
    if (trial.dataset.answered) return {state: 'wait'};
    if (![...document.querySelectorAll('img')].every((i) => i.complete)) return {state: 'wait'};
    return {state: 'trial', trial_id: trial.dataset.trialId, kind: trial.dataset.kind,
            choices: buttons.map((b) => b.dataset.image || b.textContent)};
  }
  const next = q('#jspsych-instructions-next');
  if (next && !next.dataset.clicked) { next.dataset.clicked = 1; next.click(); return {state: 'next'}; }
  const comment = q('#study-comment');
  if (comment && !comment.dataset.filled) return {state: 'comment'};
  const button = buttons.find((b) => !b.dataset.clicked);
  if (button) { button.dataset.clicked = 1; button.click(); return {state: 'button', text: button.textContent}; }
  return {state: 'wait'};
})()"""


def click(index: int) -> str:
    return ("(() => { document.querySelector('.study-trial').dataset.answered = 1; "
            f"document.querySelectorAll('#jspsych-html-button-response-btngroup button')[{index}].click(); "
            "return true; })()")


def write_comment(text: str) -> str:
    return (f"(() => {{ const c = document.getElementById('study-comment'); c.value = {json.dumps(text)}; "
            "c.dataset.filled = 1; document.getElementById('jspsych-survey-html-form-next').click(); "
            "return true; })()")


def take_part(browser, url: str, answer, comment: str = "", timeout: float = 60.0, on_trial=None) -> dict:
    """Open ``url`` and go through the study; returns ``{"code", "answered": [(trial_id, kind, index)]}``.
    ``on_trial(count)`` runs before each answer (count answered so far), e.g. to kill the server mid-session."""
    browser.navigate(url)
    answered, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        step = browser.evaluate(STEP)
        if step["state"] == "done":
            return {"code": step["code"], "answered": answered}
        if step["state"] == "trial":
            if on_trial is not None:
                on_trial(len(answered))
            index = answer(step["trial_id"], step["kind"], step["choices"])
            browser.evaluate(click(index))
            answered.append((step["trial_id"], step["kind"], step["choices"][index]))
        elif step["state"] == "comment":
            browser.evaluate(write_comment(comment))
        else:
            time.sleep(0.02)
    raise TimeoutError(f"the study did not finish in {timeout}s; page state: {browser.evaluate(STEP)}")
