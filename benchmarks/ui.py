"""Benchmark the web app as users meet it: a real server, headless Chromium, no network.

What is measured, in one invocation:

* **start to first paint** — from starting ``alliance-sim ui`` until the Explore
  page shows its controls and its Step button in a fresh browser page (server
  start, readiness and the first page load together), and the page load alone.
* **step latency, 500 patients** — Explore with the patient-population slider
  moved to 500 (keyboard, as a user would); each press of Step is timed in the
  page from the click until the session label shows the new session, the new
  plot image has loaded and the clinic view (every patient, drawn in the browser)
  says it shows the new session. ``--steps`` presses (default 8).
* **10 concurrent sessions** — ``--sessions`` browser pages (default 10, each its
  own browser context, so its own server session and clinic of the default
  scenario) all press Step at once, ``--rounds`` times (default 5); every page
  times its own step as above. Reported: median and worst latency, the worst of
  each round (the first step of a page costs the browser more than later ones),
  and the number of steps that failed (an error in the page, or no update within 30 s).
* **memory per session** — the server's resident memory (the ``alliance-sim ui``
  process and its Solara child) before the concurrent pages open and after
  their steps, divided by the number of sessions.

With ``--memory`` it measures instead whether sessions that end give their memory
back: ``--memory-rounds`` rounds (default 10) in each of which ``--sessions`` browser
pages (default 10) open Explore, press Step ``--memory-steps`` times (default 3) and
close as a user closes a tab; after each round, once the server has had
``--settle`` seconds (default 5) to clean up, the server's resident memory is read.
Reported: the memory of the fresh server, after each round, and the last round's
relative to the first. With ``--abrupt`` the pages never say goodbye (as when a
browser crashes, a laptop sleeps or the network drops): the server frees such
sessions after its session timeout, set to ``--abrupt`` seconds for the measurement
(``SOLARA_KERNEL_CULL_TIMEOUT``; the app's own default is 10 minutes).

Targets (a miss is reported, the exit code stays 0: this is a measurement):
step latency with 500 patients ≤ 200 ms (median); worst concurrent step ≤ 1 s;
with ``--memory``, the server's memory after the last round within 10% of its
memory after the first.

Chromium is Debian's (``apt-get install -y chromium``), never downloaded.

How to run (from the repository root)::

    python benchmarks/ui.py            # an aligned table
    python benchmarks/ui.py --json     # one JSON object on stdout
    python benchmarks/ui.py --memory   # do closed sessions give their memory back?
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from typing import Any

from _args import positive_int

from alliance_sim.core.params import GROUPS, SCHEMA
from alliance_sim.ui.browser import (
    INSTALL_HINT,
    find_chromium,
    launch_chromium,
    offline_context,
    running_app,
)
from alliance_sim.ui.controls import control_label

STEP_TARGET_MS = 200.0
CONCURRENT_TARGET_MS = 1000.0
MEMORY_TARGET = 0.10
"""The last round's server memory may exceed the first round's by at most this share."""
STEP_TIMEOUT_MS = 30_000

# Click Step and resolve with the milliseconds until the page shows session `expected`,
# a new plot image that has finished loading and the clinic view of that session (-1 on
# timeout). Event-driven: the page is checked when its DOM changes or an image loads,
# never polled, so that measuring ten pages at once does not itself take the CPU the
# pages need.
TIMED_STEP_JS = r"""
([expected, timeoutMs]) => {
  const findLabel = () => [...document.querySelectorAll('span, div')].find(
      e => e.childElementCount === 0 && /^Session \d+ of \d+/.test(e.textContent));
  const image = () => document.querySelector('img');
  const view = () => document.querySelector('svg.clinic-view-svg');
  const before = image() ? image().src : null;
  const button = [...document.querySelectorAll('button')].find(
      b => b.textContent.trim().toLowerCase() === 'step');
  let label = findLabel();
  return new Promise(resolve => {
    let finished = false, timer = null;
    const start = performance.now();
    const finish = value => {
      finished = true;
      observer.disconnect();
      document.removeEventListener('load', check, true);
      clearTimeout(timer);
      resolve(value);
    };
    function check() {
      if (finished) return;
      if (!label || !label.isConnected) label = findLabel();
      const i = image();
      const v = view();
      if (label && label.textContent.startsWith(`Session ${expected} of`) && i
          && i.src !== before && i.complete && i.naturalWidth > 0 && v
          && (v.getAttribute('aria-label') || '').includes(`after ${expected} of`)) {
        finish(performance.now() - start);
      }
    }
    const observer = new MutationObserver(check);
    observer.observe(document.body, {subtree: true, childList: true, characterData: true,
                                     attributes: true, attributeFilter: ['src', 'aria-label']});
    document.addEventListener('load', check, true);  // an image finished loading
    timer = setTimeout(() => { if (!finished) finish(-1); }, timeoutMs);
    button.click();
  });
}
"""


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _open_explore(browser: Any, url: str, query: str = "") -> tuple[Any, Any]:
    context, record = offline_context(browser, url)
    page = context.new_page()
    page.set_default_timeout(STEP_TIMEOUT_MS * 2)
    page.goto(url + query)
    page.get_by_text("Session 0 of").wait_for()
    page.get_by_role("button", name="Step").wait_for()
    return page, record


def _set_patients_to_500(page: Any) -> None:
    spec = SCHEMA["n_patients"]
    page.get_by_text(GROUPS[spec.group], exact=True).click()
    slider = page.get_by_role("slider", name=control_label(spec))
    slider.focus()
    for key in ("Home", "PageUp", "ArrowLeft"):  # 1, then +500 (a tenth of the range), -1
        page.keyboard.press(key)
    page.wait_for_function(
        "() => document.querySelector(`[role=slider][aria-label='" + control_label(spec) + "']`)"
        ".getAttribute('aria-valuenow') === '500'"
    )
    # The server has rebuilt the clinic when its patient table counts 500 patients.
    page.get_by_text("of 500", exact=False).first.wait_for()
    page.get_by_text("Session 0 of").wait_for()


def measure(steps: int, sessions: int, rounds: int) -> dict[str, Any]:
    """Run every measurement; returns the figures (times in seconds or milliseconds)."""
    from playwright.sync_api import sync_playwright

    result: dict[str, Any] = {}
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        _log("starting the server …")
        with running_app() as app:
            load_start = time.perf_counter()
            page, record = _open_explore(browser, app.url)
            loaded = time.perf_counter()
            result["start_to_first_paint_s"] = loaded - app.started_s
            result["server_ready_s"] = app.ready_s
            result["page_load_s"] = loaded - load_start

            _log(f"step latency with 500 patients ({steps} steps) …")
            _set_patients_to_500(page)
            latencies = [
                page.evaluate(TIMED_STEP_JS, [step, STEP_TIMEOUT_MS])
                for step in range(1, steps + 1)
            ]
            failed = sum(latency < 0 for latency in latencies) + len(record.errors)
            good = [latency for latency in latencies if latency >= 0] or [float("nan")]
            result["step_500_median_ms"] = statistics.median(good)
            result["step_500_worst_ms"] = max(good)
            result["step_500_errors"] = failed
            page.context.close()

            _log(f"{sessions} concurrent sessions × {rounds} rounds …")
            rss_before = app.rss_mb()
            pages = [_open_explore(browser, app.url) for _ in range(sessions)]
            concurrent: list[float] = []
            worst_by_round: list[float] = []
            errors = 0
            for round_number in range(1, rounds + 1):
                for page, _ in pages:  # start every step before waiting for any
                    page.evaluate(
                        "args => { window.__step = (" + TIMED_STEP_JS + ")(args); }",
                        [round_number, STEP_TIMEOUT_MS],
                    )
                this_round = []
                for page, _ in pages:
                    latency = page.evaluate("() => window.__step")
                    if latency < 0:
                        errors += 1
                    else:
                        this_round.append(latency)
                concurrent.extend(this_round)
                worst_by_round.append(max(this_round, default=float("nan")))
            errors += sum(len(record.errors) for _, record in pages)
            rss_after = app.rss_mb()
            result["sessions"] = sessions
            result["concurrent_median_ms"] = statistics.median(concurrent or [float("nan")])
            result["concurrent_worst_ms"] = max(concurrent or [float("nan")])
            result["concurrent_errors"] = errors
            result["concurrent_worst_by_round_ms"] = worst_by_round
            result["server_rss_mb"] = rss_after
            result["memory_per_session_mb"] = (rss_after - rss_before) / sessions
            result["blocked_requests"] = sum(len(record.blocked) for _, record in pages)
            for page, _ in pages:
                page.context.close()
        browser.close()
    result["step_500_median_of_target"] = result["step_500_median_ms"] / STEP_TARGET_MS
    result["concurrent_worst_of_target"] = result["concurrent_worst_ms"] / CONCURRENT_TARGET_MS
    result["targets"] = {
        "step_500_median_ms <= 200": result["step_500_median_ms"] <= STEP_TARGET_MS,
        "concurrent_worst_ms <= 1000": result["concurrent_worst_ms"] <= CONCURRENT_TARGET_MS,
        "no errors": result["step_500_errors"] == 0 and result["concurrent_errors"] == 0,
    }
    result["machine"] = f"{platform.python_version()} on {platform.machine()}"
    return result


def _server_state(url: str) -> dict[str, int]:
    """Live kernels (browser sessions) and threads, from Solara's ``/resourcez``."""
    import urllib.request

    with urllib.request.urlopen(f"{url}/resourcez", timeout=10) as response:
        data = json.loads(response.read())
    return {"kernels": int(data["kernels"]["total"]), "threads": int(data["threads"]["active"])}


def _settle(app: Any, seconds: float, wait_s: float) -> dict[str, int]:
    """Wait until every closed session is gone (at most ``wait_s``), then ``seconds`` more."""
    deadline = time.monotonic() + wait_s
    state = _server_state(app.url)
    while state["kernels"] and time.monotonic() < deadline:
        time.sleep(0.25)
        state = _server_state(app.url)
    time.sleep(seconds)  # the server collects garbage shortly after a session closes
    return state


def measure_memory(
    rounds: int, sessions: int, steps: int, settle_s: float, abrupt_s: int | None = None
) -> dict[str, Any]:
    """Server memory over ``rounds`` rounds of ``sessions`` pages opened, stepped and closed.

    With ``abrupt_s``, pages close without telling the server, whose session
    timeout is ``abrupt_s`` seconds.
    """
    import os

    from playwright.sync_api import sync_playwright

    result: dict[str, Any] = {"rounds": rounds, "sessions": sessions, "steps": steps}
    result["closing"] = f"abrupt, session timeout {abrupt_s} s" if abrupt_s else "goodbye"
    query = "?solara-no-close-beacon" if abrupt_s else ""
    wait_s = settle_s + (abrupt_s + 30 if abrupt_s else 0)
    if abrupt_s:
        os.environ["SOLARA_KERNEL_CULL_TIMEOUT"] = f"{abrupt_s}s"  # the server inherits it
    rss: list[float] = []
    left: list[dict[str, int]] = []
    errors = 0
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        _log("starting the server …")
        with running_app() as app:
            time.sleep(settle_s)
            result["fresh_server_rss_mb"] = app.rss_mb()
            for round_number in range(1, rounds + 1):
                pages = [_open_explore(browser, app.url, query) for _ in range(sessions)]
                for step in range(1, steps + 1):
                    for page, _ in pages:
                        if page.evaluate(TIMED_STEP_JS, [step, STEP_TIMEOUT_MS]) < 0:
                            errors += 1
                errors += sum(len(record.errors) for _, record in pages)
                for page, _ in pages:  # as a user closes a tab: the page is told it goes …
                    page.close(run_before_unload=True)
                time.sleep(1.0)  # … and its goodbye reaches the server before the browser quits
                for page, _ in pages:
                    page.context.close()
                left.append(_settle(app, settle_s, wait_s))
                rss.append(app.rss_mb())
                _log(
                    f"round {round_number}: {rss[-1]:.0f} MB, "
                    f"{left[-1]['kernels']} sessions left on the server"
                )
        browser.close()
    result["rss_mb_after_round"] = rss
    result["sessions_left_after_round"] = [state["kernels"] for state in left]
    result["threads_after_round"] = [state["threads"] for state in left]
    result["first_round_rss_mb"] = rss[0]
    result["last_round_rss_mb"] = rss[-1]
    result["last_over_first"] = rss[-1] / rss[0]
    result["errors"] = errors
    result["targets"] = {
        "last round within 10% of the first": rss[-1] <= rss[0] * (1 + MEMORY_TARGET),
        "no errors": errors == 0,
    }
    result["machine"] = f"{platform.python_version()} on {platform.machine()}"
    return result


def print_memory(result: dict[str, Any]) -> None:
    """The memory measurement as an aligned table."""
    rows = [("fresh server", f"{result['fresh_server_rss_mb']:.0f} MB")]
    for number, (rss, left) in enumerate(
        zip(result["rss_mb_after_round"], result["sessions_left_after_round"], strict=True),
        start=1,
    ):
        rows.append((f"after round {number}", f"{rss:.0f} MB  ({left} sessions left)"))
    rows.append(("last round / first round", f"{result['last_over_first']:.3f}"))
    rows.append(("failed steps", str(result["errors"])))
    width = max(len(name) for name, _ in rows)
    print(
        f"{result['rounds']} rounds of {result['sessions']} sessions, "
        f"{result['steps']} steps each, then closed ({result['closing']})"
    )
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    for target, met in result["targets"].items():
        print(f"target {target}: {'met' if met else 'MISSED'}")


def main(argv: list[str] | None = None) -> int:
    """Parse the options, measure, print a table or JSON."""
    parser = argparse.ArgumentParser(
        description="Benchmark the web app in headless Chromium (see the module docstring)."
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--steps", type=positive_int, default=8, help="steps timed at 500 patients (default: 8)"
    )
    parser.add_argument(
        "--sessions",
        type=positive_int,
        default=10,
        help="browser sessions stepping at once (default: 10)",
    )
    parser.add_argument(
        "--rounds",
        type=positive_int,
        default=5,
        help="steps each of those sessions takes (default: 5)",
    )
    parser.add_argument(
        "--memory",
        action="store_true",
        help="measure only whether closed sessions give their memory back (see above)",
    )
    parser.add_argument(
        "--memory-rounds",
        type=positive_int,
        default=10,
        help="with --memory: rounds of sessions opened, stepped and closed (default: 10)",
    )
    parser.add_argument(
        "--memory-steps",
        type=positive_int,
        default=3,
        help="with --memory: steps each session takes before it closes (default: 3)",
    )
    parser.add_argument(
        "--settle",
        type=positive_int,
        default=5,
        help="with --memory: seconds the server gets after each round (default: 5)",
    )
    parser.add_argument(
        "--abrupt",
        type=positive_int,
        metavar="SECONDS",
        help="with --memory: pages close without telling the server, whose session timeout "
        "is set to SECONDS",
    )
    args = parser.parse_args(argv)
    if find_chromium() is None:
        print(f"benchmarks/ui.py: {INSTALL_HINT}", file=sys.stderr)
        return 2
    if args.memory:
        memory = measure_memory(
            args.memory_rounds, args.sessions, args.memory_steps, args.settle, args.abrupt
        )
        if args.json:
            print(json.dumps(memory, indent=2))
        else:
            print_memory(memory)
        return 0
    result = measure(args.steps, args.sessions, args.rounds)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    rows = [
        ("server start → Explore painted", f"{result['start_to_first_paint_s']:.2f} s"),
        ("  of which the page load", f"{result['page_load_s']:.2f} s"),
        (
            "step, 500 patients: median",
            (
                f"{result['step_500_median_ms']:.0f} ms  "
                f"({result['step_500_median_ms'] / STEP_TARGET_MS:.2f}× the 200 ms target)"
            ),
        ),
        ("step, 500 patients: worst", f"{result['step_500_worst_ms']:.0f} ms"),
        (
            f"{result['sessions']} sessions stepping at once: median",
            f"{result['concurrent_median_ms']:.0f} ms",
        ),
        (
            f"{result['sessions']} sessions stepping at once: worst",
            f"{result['concurrent_worst_ms']:.0f} ms  "
            f"({result['concurrent_worst_ms'] / CONCURRENT_TARGET_MS:.2f}× the 1 s target)",
        ),
        ("failed steps", f"{result['step_500_errors'] + result['concurrent_errors']}"),
        ("memory per session", f"{result['memory_per_session_mb']:.1f} MB"),
        ("server memory (RSS) at the end", f"{result['server_rss_mb']:.0f} MB"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    for target, met in result["targets"].items():
        print(f"target {target}: {'met' if met else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
