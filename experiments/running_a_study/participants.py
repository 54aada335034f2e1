"""SYNTHETIC participants: a simulated observer answering a study through the real study server over HTTP, as the
study page does (POST api/start, one POST api/answer per answer in order, api/finish). NOT people.

The observer's similarity of two images is the cosine of their mean-centered pixel vectors ``t`` (over the study's
images). Three kinds of participant:

- attentive: rating = clip(round(1 + 9 (t - t_lo) / (t_hi - t_lo) + e), 1, 10), e ~ N(0, noise^2), with t_lo, t_hi
  the least and most similar main pair and noise drawn per participant from U(0.8, 1.6) (an image with itself,
  t = 1 >= t_hi, rates at least 10 + e); 2AFC picks a over b with probability
  sigmoid((t_xa - t_xb) / 0.05); odd-one-out picks image i with probability proportional to exp(t_jk / 0.05)
  (the pair left when i goes); rt ~ 1800 ms * lognormal(0, 0.4), and 2% of answers lapse (rt 45 s);
- careless: uniformly random answers, rt ~ 1500 ms * lognormal(0, 0.4);
- speeder: 120 ms per answer; rates everything 10 (so it passes the rating catch trials and only its reaction
  times give it away), picks uniformly at random in the choice tasks.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import numpy as np


def centered_cosine(images: np.ndarray) -> np.ndarray:
    """``[N, N]`` cosine of the mean-centered pixel vectors."""
    x = images.reshape(len(images), -1).astype(np.float64)
    x -= x.mean(axis=0)
    x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    return x @ x.T


class Client:
    """POSTs to one study server, with the participant's token once started; returns (status, JSON, seconds)."""

    def __init__(self, base: str):
        self.base, self.token = base.rstrip("/") + "/", None

    def post(self, path: str, body: dict) -> tuple[int, dict, float]:
        headers = {"Content-Type": "application/json", **({"X-Study-Token": self.token} if self.token else {})}
        request = urllib.request.Request(self.base + path, data=json.dumps(body).encode(), headers=headers)
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=30) as reply:
                return reply.status, json.loads(reply.read()), time.perf_counter() - started
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}"), time.perf_counter() - started


def plan(spec: dict, similarity: np.ndarray, kind: str, rng) -> list[dict]:
    """The answers one participant gives, in the page's order: main and catch shuffled, then the repeats."""
    position = {image: k for k, image in enumerate(spec["image_id"])}
    shown = [t for t in spec["trials"] if t["kind"] in ("main", "catch")]
    order = [shown[k] for k in rng.permutation(len(shown))]
    by_id = {t["trial_id"]: t for t in spec["trials"]}
    order += [{**by_id[r], "kind": "repeat"} for r in rng.permutation(spec["repeats"])]
    noise = rng.uniform(0.8, 1.6)
    main = [[position[i] for i in t["images"]] for t in shown if t["kind"] == "main"]
    t_lo, t_hi = (f(similarity[a, b] for a, b, *_ in main) for f in (min, max))
    answers = []
    for trial in order:
        images = [position[i] for i in trial["images"]]
        if kind == "speeder":
            rt = 120.0
        elif kind == "careless":
            rt = 1500 * rng.lognormal(0, 0.4)
        else:
            rt = 45_000.0 if rng.random() < 0.02 else 1800 * rng.lognormal(0, 0.4)
        if spec["task"] == "rating":
            if kind == "speeder":
                response = 10
            elif kind == "attentive":
                t = similarity[images[0], images[1]]
                scaled = 1 + 9 * (t - t_lo) / max(t_hi - t_lo, 1e-12)
                response = int(np.clip(np.round(scaled + rng.normal(0, noise)), 1, 10))
            else:
                response = int(rng.integers(1, 11))
        else:
            options = trial["images"][1:] if spec["task"] == "2afc" else trial["images"]
            if kind != "attentive":
                response = options[rng.integers(len(options))]
            elif spec["task"] == "2afc":
                x, a, b = images
                p_a = 1 / (1 + np.exp(-(similarity[x, a] - similarity[x, b]) / 0.05))
                response = options[0] if rng.random() < p_a else options[1]
            else:
                i, j, k = images
                logits = np.array([similarity[j, k], similarity[i, k], similarity[i, j]]) / 0.05
                p = np.exp(logits - logits.max())
                response = options[rng.choice(3, p=p / p.sum())]
        answers.append({"kind": trial["kind"], "trial_id": trial["trial_id"], "response": response,
                        "rt": round(float(rt), 1)})
    return answers


def take_part(base: str, spec: dict, similarity: np.ndarray, kind: str, seed: int, pid: str) -> dict:
    """One participant through the server; ``{"latencies", "confirmed", "answers"}`` (confirmed = saved: true)."""
    rng = np.random.default_rng(seed)
    client = Client(base)
    status, reply, _ = client.post("api/start", {"PROLIFIC_PID": pid, "STUDY_ID": "SYNTHETIC",
                                                 "SESSION_ID": f"session-{pid}", "participant_session": f"{seed:016x}"})
    if status != 200:
        raise RuntimeError(f"start refused: {status} {reply}")
    client.token = reply["token"]
    latencies, confirmed, answers = [], [], plan(spec, similarity, kind, rng)
    for seq, answer in enumerate(answers):
        for _attempt in range(20):  # the page retries until the server confirms
            try:
                status, reply, seconds = client.post("api/answer", {"seq": seq, **answer})
            except OSError:
                time.sleep(0.2)
                continue
            latencies.append(seconds)
            if status == 200:
                confirmed.append(seq)
                break
            if status < 500:
                raise RuntimeError(f"answer {seq} refused: {status} {reply}")
    client.post("api/finish", {})
    return {"latencies": latencies, "confirmed": confirmed, "answers": answers, "pid": pid, "kind": kind}
