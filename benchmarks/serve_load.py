"""Load budget (DESIGN 7): 2 gunicorn workers, 20 simulated readers on 127.0.0.1.

Starts ``solutions serve DIR --workers 2`` (private: each reader signs in through the
login form first, so the access gate and the shared sessions are in the path) on the
demo workspace (built into a temporary folder) or on ``--workspace DIR``, and runs, in
the same run:

1. **one reader** alone, for the baseline;
2. **N readers** (threads, ``--readers``, default 20) at once;

alternating, ``--pairs`` times (DESIGN 7: the machine is shared; the slider-callback p95
ratio is taken per pair and its median judged). The 1-reader p95 column pools the
one-reader phases, the others pool the N-reader phases.

Each reader repeats the request mix of a person using the dashboard: the map page (HTML,
then its layout), time-slider steps (the map callback with a new round: a Patch of
values), a criterion switch (the same callback, criterion changed), a locality page and
the priorities page (their layouts: Dash renders the page named by the layout request's
Referer), and the priorities table's CSV download. Readers pause between actions
(``--think`` seconds, uniform from half to one and a half times it, seeded): a reader
reads. The callback
bodies are built from the app's own ``/_dash-dependencies`` and layout, so they stay the
bodies the browser sends.

Bounded: every reader stops after ``--rounds`` passes through the mix or when
``--seconds`` are up, whichever is first; nothing leaves 127.0.0.1; the server is
stopped at the end.

    python benchmarks/serve_load.py [--readers 20] [--workers 2] [--rounds 6] [--think 1.0]
        [--baseline-rounds 10] [--pairs 3] [--threads 4] [--seconds 240] [--workspace DIR]

Budget: no errors; the slider-callback p95 with N readers within 3x of its p95 with one.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import defaultdict
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dashboard import ids  # noqa: E402

RATIO_BUDGET = 3.0
PASSWORD = "load test password"
USER = "loadtest"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _find(node, component_id):
    """The component (as Dash sends it: props/type/namespace) with this id in a layout."""
    if isinstance(node, dict):
        props = node.get("props", {})
        if props.get("id") == component_id:
            return node
        for value in props.values():
            found = _find(value, component_id)
            if found is not None:
                return found
    elif isinstance(node, list):
        for child in node:
            found = _find(child, component_id)
            if found is not None:
                return found
    return None


class Callback:
    """One callback of the running app, as the browser calls it: its spec from
    ``/_dash-dependencies`` and the current values of its inputs and states, read from
    the layout of the page that holds them."""

    def __init__(self, spec: dict, layout):
        self.spec = spec
        self.values = {}
        for dep in spec["inputs"] + spec["state"]:
            component = _find(layout, dep["id"])
            if component is None:
                raise SystemExit(f"{dep['id']} is not in the page's layout")
            self.values[dep["id"], dep["property"]] = component["props"].get(dep["property"])

    def body(self, changed: str, values: dict) -> dict:
        """The request with ``values`` ({(id, prop): value}) changed."""
        spec = self.spec
        current = {**self.values, **values}

        def with_values(items):
            return [{**item, "value": current[item["id"], item["property"]]} for item in items]

        outputs = [
            dict(zip(("id", "property"), part.rsplit(".", 1), strict=True))
            for part in spec["output"].strip(".").split("...")
        ]
        return {
            "output": spec["output"],
            "outputs": outputs if len(outputs) > 1 else outputs[0],
            "inputs": with_values(spec["inputs"]),
            "changedPropIds": [changed],
            "state": with_values(spec["state"]),
        }


class Mix:
    """The requests of one reader, prepared from the running app."""

    def __init__(self, base: str, session: requests.Session):
        self.base = base
        dependencies = session.get(base + "/_dash-dependencies", timeout=60).json()

        def layout(path):
            headers = {"Referer": base + path}
            return session.get(base + "/_dash-layout", headers=headers, timeout=60).json()

        def spec(output, trigger):
            return next(
                d
                for d in dependencies
                if output in d["output"] and any(i["id"] == trigger for i in d["inputs"])
            )

        map_layout = layout("/")
        self.map = Callback(spec(f"{ids.MAP}.figure", ids.ROUND), map_layout)
        slider = _find(map_layout, ids.ROUND)["props"]
        self.rounds = list(range(int(slider.get("min", 0)), int(slider.get("max", 0)) + 1))
        criterion = _find(map_layout, ids.CRITERION)["props"]
        self.criteria = [
            option["value"] if isinstance(option, dict) else option
            for option in criterion.get("options", [])
        ]
        # The priorities page's "Download CSV": the table of the view, as a file.
        self.csv = Callback(
            spec(f"{ids.PRIORITIES_DOWNLOAD}.data", ids.PRIORITIES_DOWNLOAD_BUTTON),
            layout("/priorities"),
        )
        areas = session.get(base + "/geo/level/2.json", timeout=60)
        found = re.findall(r'"id"\s*:\s*"([A-Z]{2}\d+)"', areas.text)
        self.pcodes = found[:20] or ["XM01001"]


def reader(base, number, rounds, seconds, think, results, errors, barrier):
    """One reader: sign in and prepare, wait for the others, then ``rounds`` passes
    through the mix (or until ``seconds`` are up)."""
    rng = random.Random(number)
    session = requests.Session()
    session.headers["Accept-Encoding"] = "gzip"
    try:
        form = session.get(base + "/login", timeout=60)
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
        signed = session.post(
            base + "/login",
            data={"csrf": csrf, "name": USER, "password": PASSWORD, "next": "/"},
            allow_redirects=False,
            timeout=60,
        )
        if signed.status_code != 303:
            errors.append(f"login: {signed.status_code}")
            return
        mix = Mix(base, session)
    finally:
        barrier.wait()  # whatever happened, the others must not wait for this reader
    deadline = time.monotonic() + seconds

    def timed(kind, method, path, **kwargs):
        start = time.perf_counter()
        try:
            response = session.request(method, base + path, timeout=60, **kwargs)
            elapsed = time.perf_counter() - start
            if response.status_code != 200:
                errors.append(f"{kind}: {response.status_code}")
            else:
                results[kind].append(elapsed)
        except requests.RequestException as exc:
            errors.append(f"{kind}: {exc.__class__.__name__}")

    def pause():
        time.sleep(rng.uniform(0.5 * think, 1.5 * think))

    try:
        passes(rounds, deadline, mix, rng, timed, pause)
    except Exception as exc:  # a broken reader is an error of the run, not a crash
        errors.append(f"reader {number}: {exc!r}")


def passes(rounds, deadline, mix, rng, timed, pause):
    base = mix.base
    for _ in range(rounds):
        if time.monotonic() > deadline:
            break
        timed("page", "GET", "/", headers={"Accept": "text/html"})
        timed("layout", "GET", "/_dash-layout", headers={"Referer": base + "/"})
        pause()
        for _step in range(3):
            step = {(ids.ROUND, "value"): rng.choice(mix.rounds)}
            body = mix.map.body(f"{ids.ROUND}.value", step)
            timed("slider callback", "POST", "/_dash-update-component", json=body)
            pause()
        switch = {(ids.CRITERION, "value"): rng.choice(mix.criteria or ["overall"])}
        body = mix.map.body(f"{ids.CRITERION}.value", switch)
        timed("criterion callback", "POST", "/_dash-update-component", json=body)
        pause()
        referer = f"{base}/locality/{rng.choice(mix.pcodes)}"
        timed("locality", "GET", "/_dash-layout", headers={"Referer": referer})
        pause()
        timed("priorities", "GET", "/_dash-layout", headers={"Referer": base + "/priorities"})
        clicks = {(ids.PRIORITIES_DOWNLOAD_BUTTON, "n_clicks"): 1}
        body = mix.csv.body(f"{ids.PRIORITIES_DOWNLOAD_BUTTON}.n_clicks", clicks)
        timed("CSV", "POST", "/_dash-update-component", json=body)
        pause()


def phase(base, readers, rounds, seconds, think):
    """``readers`` readers at once: (times by kind, errors, wall seconds of the mix)."""
    results: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    # Every reader signs in and prepares its mix first; then all start together.
    barrier = threading.Barrier(readers + 1)
    threads = [
        threading.Thread(
            target=reader,
            args=(base, number, rounds, seconds, think, results, errors, barrier),
            daemon=True,
        )
        for number in range(readers)
    ]
    for thread in threads:
        thread.start()
    barrier.wait(timeout=600)
    began = time.perf_counter()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    return results, errors, time.perf_counter() - began


def _merge(into, found):
    for kind, values in found.items():
        into[kind].extend(values)


def _quantile(values, q):
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


class ServerError(RuntimeError):
    """The server could not be prepared or started (its log is in the message)."""


def measure(
    workspace: Path | None = None,
    readers: int = 20,
    workers: int = 2,
    threads: int = 4,
    rounds: int = 6,
    baseline_rounds: int = 10,
    seconds: float = 240,
    pairs: int = 3,
    think: float = 1.0,
) -> dict:
    """Start the server, run the alternating one/N phases, stop it; the times by kind of
    request (``alone``, ``crowd``), errors, wall seconds, per-pair ratios and loads."""
    scratch = Path(tempfile.mkdtemp(prefix="serve-load-"))
    if workspace is None:
        from workspace.demo import build_demo_workspace

        workspace = scratch / "workspace"
        print(f"building the demo workspace in {workspace} ...", file=sys.stderr)
        build_demo_workspace(workspace)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    add = subprocess.run(
        [sys.executable, "-m", "dashboard.cli", "users", str(workspace), "add", USER,
         "--role", "analyst", "--password-stdin"],
        input=PASSWORD + "\n", text=True, env=env, cwd=ROOT, capture_output=True,
    )  # fmt: skip
    if add.returncode != 0:
        shutil.rmtree(scratch, ignore_errors=True)
        raise ServerError(add.stderr)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = (scratch / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "dashboard.cli", "serve", str(workspace), "--workers",
         str(workers), "--host", "127.0.0.1", "--port", str(port), "--state-dir",
         str(scratch / "state"), "--threads", str(threads)],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    found = {
        "alone": defaultdict(list),
        "crowd": defaultdict(list),
        "alone_errors": [],
        "crowd_errors": [],
        "alone_wall": 0.0,
        "crowd_wall": 0.0,
        "ratios": [],
        "loads": [],
    }
    try:
        deadline = time.monotonic() + 180
        while True:
            if server.poll() is not None:
                raise ServerError((scratch / "server.log").read_text())
            try:
                with urllib.request.urlopen(base + "/login", timeout=5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise ServerError("the server did not start") from None
                time.sleep(0.5)
        # Warm-up, discarded: each worker keeps per-generation caches (area table,
        # Priorities rows, locality data) that the first requests fill; without it the
        # first one-reader phase pays them and the baseline p95 is a cold one.
        phase(base, 2 * workers, 1, seconds, 0.0)
        # Paired and alternating (DESIGN 7): the machine is shared, its load drifts; each
        # pair's ratio compares phases run next to each other, and the median ratio is
        # judged.
        for pair in range(pairs):
            print(f"pair {pair + 1}/{pairs}: one reader, then {readers} ...",
                  file=sys.stderr)  # fmt: skip
            one, errors, wall = phase(base, 1, baseline_rounds, seconds, think)
            _merge(found["alone"], one)
            found["alone_errors"] += errors
            found["alone_wall"] += wall
            many, errors, wall = phase(base, readers, rounds, seconds, think)
            _merge(found["crowd"], many)
            found["crowd_errors"] += errors
            found["crowd_wall"] += wall
            found["loads"].append(os.getloadavg()[0])
            found["ratios"].append(
                _quantile(many["slider callback"], 95) / _quantile(one["slider callback"], 95)
            )
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()
        # The demo workspace and the log (already read into any error raised above).
        shutil.rmtree(scratch, ignore_errors=True)
    return found


def run(quick: bool = False) -> list[dict]:
    """DESIGN 7's load row: no errors, and the slider-callback p95 with N readers within
    3x of its p95 with one (median of the pairs' ratios)."""
    readers = 4 if quick else 20
    if quick:
        found = measure(readers=4, rounds=1, baseline_rounds=3, seconds=90, pairs=1, think=0.2)
    else:
        found = measure()
    errors = found["alone_errors"] + found["crowd_errors"]
    ratio = statistics.median(found["ratios"])
    crowd = _quantile(found["crowd"]["slider callback"], 95)
    alone = _quantile(found["alone"]["slider callback"], 95)
    return [
        {
            # the budget judges the pairs' median ratio; the figures pool the phases
            "what": f"2 workers, {readers} readers, slider p95 (pairs: {ratio:.2f}x)",
            "figure": crowd,
            "baseline": alone,
            "unit": "s",
            "budget": f"<= {RATIO_BUDGET:g}x one reader's p95",
            "ok": ratio <= RATIO_BUDGET,
        },
        {
            "what": f"2 workers, {readers} readers: errors",
            "figure": len(errors),
            "baseline": None,
            "unit": "",
            "budget": "no errors",
            "ok": not errors,
        },
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspace", type=Path, help="default: the demo, built here")
    parser.add_argument("--readers", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument("--rounds", type=int, default=6, help="passes through the mix")
    parser.add_argument(
        "--baseline-rounds", type=int, default=10, help="passes of the one reader (more: a p95)"
    )
    parser.add_argument("--seconds", type=float, default=240, help="time limit per phase")
    parser.add_argument("--pairs", type=int, default=3, help="alternating one/N phases")
    parser.add_argument("--think", type=float, default=1.0, help="mean pause, seconds")
    args = parser.parse_args(argv)
    # Stopped from outside, still stop the server (it runs in a session of its own).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        found = measure(
            args.workspace, args.readers, args.workers, args.threads, args.rounds,
            args.baseline_rounds, args.seconds, args.pairs, args.think,
        )  # fmt: skip
    except ServerError as exc:
        print(exc, file=sys.stderr)
        return 1
    alone, crowd = found["alone"], found["crowd"]
    alone_errors, crowd_errors = found["alone_errors"], found["crowd_errors"]
    alone_wall, crowd_wall = found["alone_wall"], found["crowd_wall"]
    ratios, loads = found["ratios"], found["loads"]

    def ms(value):
        return f"{value * 1000:,.0f}"

    kinds = ["page", "layout", "slider callback", "criterion callback", "locality",
             "priorities", "CSV"]  # fmt: skip
    total = sum(len(v) for v in crowd.values())
    print(f"\n{args.readers} readers, {args.workers} workers x {args.threads} threads, "
          f"think {args.think} s, "
          f"{args.rounds} passes each; times in ms")  # fmt: skip
    header = f"{'request':<20} {'n':>5} {'p50':>7} {'p95':>7} {'p99':>7}   {'1 reader p95':>12}"
    print(header)
    for kind in kinds:
        values = crowd.get(kind, [])
        one = alone.get(kind, [])
        print(
            f"{kind:<20} {len(values):>5} {ms(_quantile(values, 50)):>7} "
            f"{ms(_quantile(values, 95)):>7} {ms(_quantile(values, 99)):>7}   "
            f"{ms(_quantile(one, 95)):>12}"
        )
    everything = [t for v in crowd.values() for t in v]
    print(
        f"{'all':<20} {total:>5} {ms(_quantile(everything, 50)):>7} "
        f"{ms(_quantile(everything, 95)):>7} {ms(_quantile(everything, 99)):>7}"
    )
    print(f"throughput: {total / crowd_wall:.1f} requests/s over {crowd_wall:.0f} s "
          f"({sum(len(v) for v in alone.values()) / alone_wall:.1f} with one reader)")  # fmt: skip
    slider_ratio = statistics.median(ratios)
    print(
        "slider p95 ratio per pair: "
        + ", ".join(f"{r:.2f}x (load {load:.1f})" for r, load in zip(ratios, loads, strict=True))
    )
    all_errors = alone_errors + crowd_errors
    print(
        f"errors: {len(all_errors)}" + (f" ({json.dumps(all_errors[:10])})" if all_errors else "")
    )
    print(f"slider callback p95, {args.readers} readers / 1 reader, median of pairs: "
          f"{slider_ratio:.2f}x "
          f"(budget <= {RATIO_BUDGET:.0f}x)")  # fmt: skip
    ok = not all_errors and slider_ratio <= RATIO_BUDGET
    print("within budget" if ok else "OVER BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
