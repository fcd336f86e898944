"""`diffplay serve` as a person runs it, and the studio's limits on their own."""

import logging
import resource
import signal
import subprocess
import sys
import time

import pytest

from diffplay.errors import UsageError
from diffplay.studio.connections import QuietRepeats
from diffplay.studio.hosts import TrustedHosts
from diffplay.studio.limits import BUSY_STEP_SHARE, Limits, RateLimiter, frame_rate, next_tick, step_budget
from diffplay.studio.worker import Alarm, TooSlow
from studio_helpers import get_json, serve

DIFFPLAY = [sys.executable, "-c", "from diffplay.cli import main; raise SystemExit(main())"]


def test_serve_prints_its_loopback_url_and_says_nothing_else():
    with serve() as (url, process):
        assert url.startswith("http://127.0.0.1:")
        assert get_json(url + "api/status")["sessions"] == 0
    assert process.stderr.read() == ""


def test_serve_warns_when_it_listens_beyond_this_machine():
    process = subprocess.Popen([*DIFFPLAY, "serve", "--host", "0.0.0.0", "--port", "0"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        warning = process.stderr.readline()
        assert "http://0.0.0.0:" in process.stdout.readline()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(15)
    assert warning.startswith("diffplay: warning: --host 0.0.0.0 lets other machines open scenes")


@pytest.mark.parametrize("options, message", [
    (["--port", "70000"], "--port must be in [0, 65535], got 70000"),
    (["--max-sessions", "0"], "--max-sessions must be at least 1, got 0"),
    (["--host", "256.1.1.1"], "--host 256.1.1.1 --port 8000: cannot listen there"),
])
def test_serve_refuses_bad_options_with_exit_status_2(options, message):
    done = subprocess.run([*DIFFPLAY, "serve", *options], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.startswith(f"diffplay: {message}")


def test_serve_refuses_a_port_that_is_taken():
    with serve() as (url, _):
        port = url.rsplit(":", 1)[1].strip("/")
        done = subprocess.run([*DIFFPLAY, "serve", "--port", port], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert f"--port {port}: cannot listen there" in done.stderr


# ---- the limits ----

def test_rate_limiter_allows_a_burst_then_the_rate():
    now = [0.0]
    limiter = RateLimiter(rate=10, burst=5, clock=lambda: now[0])
    assert [limiter.allow() for _ in range(6)] == [True] * 5 + [False]
    now[0] += 0.25   # 2.5 tokens come back
    assert [limiter.allow() for _ in range(3)] == [True, True, False]


def test_step_budget_is_the_scenes_wish_capped_and_shared_when_sessions_outnumber_cores():
    limits = Limits(step_budget_s=0.012)
    assert step_budget(limits, 0.005, active_sessions=1, cores=2) == 0.005
    assert step_budget(limits, 0.05, active_sessions=2, cores=2) == 0.012
    assert step_budget(limits, 0.05, active_sessions=8, cores=2) == pytest.approx(0.003)
    assert step_budget(limits, 0.05, active_sessions=20, cores=2) == pytest.approx(0.012 * 0.1 * BUSY_STEP_SHARE)   # busy


def test_frames_keep_their_grid_when_a_session_wakes_late_and_start_it_again_when_a_period_late():
    period, due, frames = 0.040, 0.0, []
    for late in [0.0, 0.007, 0.012, 0.0, 0.003, 0.0]:   # woken this late for each frame
        began = due + late
        frames.append(began)
        due = next_tick(due, began, period)
    assert due == pytest.approx(6 * period)   # six frames in six periods: lateness did not add up
    intervals = [b - a for a, b in zip(frames, frames[1:])]
    assert max(intervals) == pytest.approx(period + 0.007) and min(intervals) == pytest.approx(period - 0.012)   # each only its own lateness
    assert next_tick(1.0, 1.1, period) == pytest.approx(1.14)   # a hiccup longer than a period: no burst of frames after it
    assert next_tick(0.0, 100.0, period) == pytest.approx(100.04)   # an idle scene's first frame in a while


def test_frame_rate_is_full_until_four_sessions_a_core_then_falls_to_the_busy_rate():
    assert frame_rate(Limits(), active_sessions=20, cores=2) == Limits().busy_frame_rate == 25
    limits = Limits(frame_rate=60, busy_frame_rate=30)
    assert frame_rate(limits, active_sessions=1, cores=2) == 60
    assert frame_rate(limits, active_sessions=8, cores=2) == 60
    assert frame_rate(limits, active_sessions=10, cores=2) == pytest.approx(48)
    assert frame_rate(limits, active_sessions=20, cores=2) == 30 == frame_rate(limits, active_sessions=32, cores=2)
    assert frame_rate(Limits(frame_rate=20, busy_frame_rate=30), active_sessions=32, cores=2) == 20   # never above the cap


@pytest.fixture
def guard():
    """A session process's compute limit, an Alarm (the SIGALRM handler given back after)."""
    previous = signal.getsignal(signal.SIGALRM)
    yield Alarm()
    signal.signal(signal.SIGALRM, previous)


def test_time_limit_stops_a_computation_that_runs_past_it(guard):
    began = time.monotonic()
    with pytest.raises(TooSlow, match="spinning took more than 0.2 s"):
        with guard(0.2, "spinning"):
            while True:
                sum(range(1000))
    assert time.monotonic() - began < 2


def test_time_limit_leaves_a_quick_computation_alone(guard):
    for _ in range(2):   # and again: a guard is used once a frame
        with guard(1.0, "adding"):
            total = sum(range(1000))
    time.sleep(1.1)   # the alarm was cancelled: nothing goes off later
    assert total == 499500


def test_learn_serves_the_studio_at_its_learn_section():
    process = subprocess.Popen([*DIFFPLAY, "learn", "--no-open", "--port", "0"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        url = process.stdout.readline().split()[2]
        assert url.startswith("http://127.0.0.1:") and url.endswith("/learn.html")
        base = url.removesuffix("learn.html")
        for _ in range(100):
            try:
                chapters = [s for s in get_json(base + "api/scenes") if s["section"] == "learn"]
                break
            except OSError:
                time.sleep(0.2)
        assert [c["number"] for c in chapters] == sorted(c["number"] for c in chapters) and chapters
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(15)


# ---- the hosts it answers to, the limits it is given, the logs it writes ----

@pytest.mark.parametrize("host, allowed", [
    ("127.0.0.1:8000", True), ("localhost:8000", True), ("LOCALHOST", True), ("[::1]:8000", True),
    ("10.1.2.3:8000", True), ("studio.example:8000", True),
    ("evil.example:8000", False), ("localhost.evil.example", False), ("", False), ("[::1", False),
])
def test_trusted_hosts_are_addresses_localhost_the_listening_name_and_those_allowed(host, allowed):
    assert TrustedHosts("0.0.0.0", ["studio.example"]).allows(host) is allowed


def test_limits_take_name_value_texts_and_refuse_what_is_not_a_limit():
    limits = Limits().changed(["idle_s=60", "max_sessions_per_client=4"])
    assert (limits.idle_s, limits.max_sessions_per_client) == (60.0, 4)
    for bad, message in [("idle=3", 'no such limit \\(did you mean "idle_s"\\?\\)'),
                         ("max_sessions=1.5", 'expected an integer, got "1.5"'), ("idle_s=0", "must be a number in")]:
        with pytest.raises(UsageError, match=f"^--limit {bad.split('=')[0]}: {message}"):
            Limits().changed([bad])


def test_connections_are_capped_below_what_ulimit_n_leaves(monkeypatch):
    monkeypatch.setattr(resource, "getrlimit", lambda kind: (1024, 4096))
    assert Limits(max_sessions=8).within_descriptors().max_connections == 1024 - 64 - 4 * 128 - 4 * 8
    monkeypatch.setattr(resource, "getrlimit", lambda kind: (256, 4096))
    with pytest.raises(UsageError, match="ulimit -n is 256: too few open files for 32 sessions"):
        Limits().within_descriptors()


def test_a_repeated_log_line_is_written_once_a_minute_then_counted():
    now = [0.0]
    quiet = QuietRepeats(60.0, clock=lambda: now[0])
    record = lambda: logging.LogRecord("asyncio", logging.ERROR, "", 0, "socket.accept() out of system resource",
                                       None, (OSError, OSError(24, "Too many open files"), None))
    assert quiet.filter(record()) and not quiet.filter(record()) and not quiet.filter(record())
    now[0] = 61.0
    again = record()
    assert quiet.filter(again) and "(and 2 more like it in the last minute)" in again.msg and again.exc_info is None
