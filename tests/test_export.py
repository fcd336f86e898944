"""`diffplay export NAME --html`: a recorded run as one page that opens from a file, offline, in
Debian's Chromium (Playwright), with a slider that moves through the run. Screenshots land in
test-artifacts/studio/."""

import pytest

from diffplay.scenes.ik import IK
from diffplay.studio.export import evenly, record, replay_page
from test_cli import diffplay
from test_studio_browser import browser, shot, wait  # noqa: F401

# The stage's pictures as data URLs: what the page shows of the scene.
PICTURE = "() => [...document.querySelectorAll('.stage canvas')].map((c) => c.toDataURL()).join()"
STEP = "() => window.replay.frame.step"


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    path = tmp_path_factory.mktemp("export") / "boundary.html"
    done = diffplay("export", "boundary", "--html", path, "--steps", 30, "--frames", 16, "--set", "dataset=xor")
    assert done.returncode == 0, done.stderr
    return path, done.stdout


def test_export_writes_one_page_of_at_most_5_mb_and_says_what_it_holds(exported):
    path, said = exported
    assert said.startswith(f"wrote {path}: 16 frames of steps 0–30, ")
    assert path.stat().st_size <= 5_000_000


def test_the_page_opens_offline_from_its_file_and_the_slider_moves_through_the_run(browser, exported):  # noqa: F811
    path, _ = exported
    context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)
    page = context.new_page()
    asked, problems = [], []
    page.on("request", lambda request: asked.append(request.url))
    page.on("pageerror", lambda error: problems.append(str(error)))
    try:
        page.goto(path.as_uri())
        wait(page, "window.replay && window.replay.frames > 0", what="the replay's first frame")
        assert page.evaluate(STEP) == 30   # it opens on where the run came to
        end = page.evaluate(PICTURE)
        slider = page.locator(".scrubber-slider")
        slider.focus()
        page.keyboard.press("Home")   # to the start of the run
        wait(page, "window.replay.frame.step === 0", what="step 0 after Home")
        assert page.evaluate(PICTURE) != end
        shot(page, "export-start")
        page.keyboard.press("End")
        wait(page, "window.replay.frame.step === 30", what="step 30 after End")
        assert page.evaluate(PICTURE) == end   # the same frames again draw the same picture
        page.keyboard.press("Home")
        page.get_by_role("button", name="play").click()
        wait(page, "window.replay.frame.step === 30", what="playing to the end")
    finally:
        context.close()
    assert problems == []
    assert all(url.startswith(("file:", "blob:", "data:")) for url in asked), asked   # nothing from a network


def test_a_recording_keeps_evenly_spread_frames_the_first_and_the_last_among_them():
    recorded = record(IK(), steps=40, frames=10)
    steps = [stats["steps"] for _, stats in recorded]
    assert len(steps) == 10 and steps[0] == 0 and steps[-1] == 40 and steps == sorted(set(steps))


def test_a_page_over_its_size_keeps_fewer_frames():
    scene = IK()
    recorded = record(scene, steps=40, frames=40)
    whole, kept = replay_page(scene, recorded)
    assert kept == len(recorded) == 40
    limit = len(replay_page(scene, evenly(recorded, 10))[0].encode()) + 100   # room for about 10 frames
    text, kept = replay_page(scene, recorded, max_bytes=limit)
    assert 2 < kept < len(recorded) and len(text.encode()) <= limit


def test_export_refuses_a_page_that_is_not_html(tmp_path):
    done = diffplay("export", "ik", "--html", tmp_path / "run.txt")
    assert done.returncode == 2 and "--html" in done.stderr and not (tmp_path / "run.txt").exists()
