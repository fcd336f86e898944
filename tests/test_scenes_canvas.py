"""The canvas scene: it learns a test picture, takes strokes and images, refuses bad input."""

import base64
import json
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from diffplay.scenes.blobs import raster, unraster
from diffplay.scenes.canvas import Canvas, fourier_features
from diffplay.scenes.parts.picture import load_png, save_png
from diffplay.scenes.schema import SchemaError


def sample_picture(size=64):
    """A 64×64 picture with smooth and sharp parts: two gradients, a disc, a bar."""
    y, x = (np.mgrid[0:size, 0:size] + 0.5) / size
    rgb = np.stack([x, y, 0.5 + 0.5 * np.sin(6 * x)], -1)
    rgb[np.hypot(x - 0.35, y - 0.6) < 0.2] = [0.9, 0.1, 0.1]
    rgb[(np.abs(x - 0.75) < 0.06) & (y < 0.8)] = [0.05, 0.05, 0.3]
    return rgb


def learn(scene, steps):
    for _ in range(steps):
        scene.advance()
        scene.steps += 1
    return scene


@pytest.fixture
def picture_file(tmp_path):
    path = tmp_path / "picture.png"
    save_png(path, np.round(sample_picture() * 255))
    return path


def test_canvas_learns_a_64px_picture_to_20_db_within_500_steps(picture_file):
    scene = Canvas(seed=0, image=str(picture_file))
    assert np.abs(scene.target - sample_picture()).max() <= 0.5 / 255 + 1e-9   # loaded as drawn
    reached = None
    for step in range(25, 501, 25):
        learn(scene, 25)
        if scene.psnr() >= 20:
            reached = step
            break
    assert reached is not None


def test_canvas_loss_falls_while_learning():
    scene = Canvas(size=32)
    learn(scene, 1)
    first = scene.last_loss
    learn(scene, 60)
    assert scene.last_loss < first / 4


def test_frame_shows_the_picture_its_loss_was_measured_on():
    scene = Canvas(size=16)
    for _ in range(5):
        scene.step(0.0)
        frame = scene.frame()
        assert frame["psnr"] == pytest.approx(10 * np.log10(1 / frame["loss"]), abs=1e-4)   # one picture, one error


def test_batches_visit_every_painted_pixel_once_an_epoch():
    scene = Canvas(size=16, batch=64)   # 256 pixels: epochs of 4 batches
    everything = {row.tobytes() for row in scene.features[scene.painted_pixels()[0]]}
    for _ in range(2):
        epoch = [row.tobytes() for _ in range(4) for row in scene.training_batch()[0].data]
        assert len(epoch) == 256 and set(epoch) == everything
    assert scene.training_batch()[2] is False and Canvas(size=16, batch=0).training_batch()[2] is True


def test_frame_after_a_batch_step_shows_the_network_as_it_is_now():
    scene = Canvas(size=32, batch=100)
    scene.step(0.0)
    output = unraster(scene.frame()["output"]) / 255
    assert np.abs(output - scene.render_output()).max() <= 0.5 / 255 + 1e-6


def test_frame_rasters_of_the_painting_are_the_same_objects_until_it_changes():
    scene = Canvas(size=16)
    first = scene.frame()
    scene.step(0.0)
    assert scene.frame()["target"] is first["target"] and scene.frame()["mask"] is first["mask"]
    scene.handle({"type": "stroke", "points": [{"x": 3, "y": 3}], "color": [0, 0, 0], "radius": 2})
    assert not np.array_equal(unraster(scene.frame()["target"]), unraster(first["target"]))


def test_fourier_features_are_sines_and_cosines_of_projections():
    features = fourier_features(8, 5, 3.0, np.random.default_rng(0))
    assert features.shape == (64, 10)
    sin, cos = features[:, :5], features[:, 5:]
    assert np.allclose(sin**2 + cos**2, 1.0)


# ---- painting and bad input ----

def test_empty_canvas_learns_nothing_and_says_so():
    scene = Canvas(image="empty", size=16)
    assert scene.step(1.0) == 0 and scene.at_rest()   # live: no step, so no frame until a stroke
    frame = scene.frame()
    assert frame["painted"] == 0 and frame["loss"] is None and frame["psnr"] is None
    assert Canvas.frame_schema.check(json.loads(json.dumps(frame)), "frame")
    assert scene.run().steps == 0   # headless: converged already, nothing to add


def test_stroke_paints_a_disc_trail_in_the_colour_and_is_learned():
    scene = Canvas(image="empty", size=32)
    scene.handle({"type": "stroke", "points": [{"x": 4, "y": 16}, {"x": 28, "y": 16}], "color": [255, 0, 0], "radius": 3})
    mask = unraster(scene.frame()["mask"]) > 0
    assert mask[16, 4:28].all() and not mask[2, :].any() and not mask[16 + 5, :].any()
    assert np.array_equal(scene.target[16, 16], [1.0, 0.0, 0.0])
    learn(scene, 100)
    assert scene.psnr() > 20


def near_polyline(size, points, radius, samples=400):
    """(surely within, surely beyond): pixel centres whose distance to the polyline is at most
    `radius`, and those further than radius + the sampling error, measured against `samples`
    points along each segment (a check that shares no formula with the scene's)."""
    xy = np.array(points, float)
    dense = np.concatenate([np.linspace(a, b, samples) for a, b in zip(xy[:-1], xy[1:])]) if len(xy) > 1 else xy
    error = max((np.hypot(*(b - a)) / (samples - 1) / 2 for a, b in zip(xy[:-1], xy[1:])), default=0.0)
    y, x = np.mgrid[0:size, 0:size] + 0.5
    d = np.full((size, size), np.inf)
    for cx, cy in dense:
        d = np.minimum(d, np.hypot(x - cx, y - cy))
    return d <= radius, d > radius + error


def stroke(scene, points, radius):
    scene.handle({"type": "stroke", "points": [{"x": x, "y": y} for x, y in points], "color": [0, 0, 0], "radius": radius})
    return scene.mask


def test_stroke_paints_every_pixel_within_the_radius_between_its_points():
    # row 18's centres are 2.5 from the line y = 16: inside radius 2.52 all along, not only near samples
    mask = stroke(Canvas(image="empty", size=32), [(4, 16), (28, 16)], 2.52)
    assert mask[18, 4:28].all() and not mask[19].any() and not mask[12].any()


@settings(max_examples=25)
@given(st.lists(st.tuples(st.floats(-64, 100), st.floats(-64, 100)), min_size=1, max_size=4), st.floats(0.5, 10))
def test_stroke_paints_exactly_the_pixels_near_the_polyline(points, radius):
    inside, beyond = near_polyline(24, points, radius)
    mask = stroke(Canvas(image="empty", size=24), points, radius)
    assert mask[inside].all() and not mask[beyond].any()


def test_stroke_off_the_canvas_paints_nothing_and_one_across_it_paints_its_trail():
    assert not stroke(Canvas(image="empty", size=16), [(1000, 1000), (1020, -60), (-60, 1020)], 2).any()
    mask = stroke(Canvas(image="empty", size=16), [(-60, -60), (1000, 1000)], 1)
    assert mask[np.arange(16), np.arange(16)].all() and not mask[0, 15] and not mask[15, 0]


def test_clear_empties_the_canvas():
    scene = Canvas(size=16)
    scene.handle({"type": "clear"})
    assert scene.frame()["painted"] == 0


def test_load_image_event_fills_the_canvas():
    scene = Canvas(image="empty", size=16)
    pixels = np.zeros((8, 8, 4), np.uint8)
    pixels[..., 1], pixels[..., 3] = 200, 255
    scene.handle({"type": "load_image", "width": 8, "height": 8, "channels": 4,
                  "data": base64.b64encode(pixels.tobytes()).decode()})
    assert scene.frame()["painted"] == 256 and np.allclose(scene.target[..., 1], 200 / 255)


@pytest.mark.parametrize("event, message", [
    ({"type": "stroke", "points": [], "color": [0, 0, 0], "radius": 2}, r"event\.points: expected 1 to 2000 items, got 0"),
    ({"type": "stroke", "points": [{"x": 1, "y": "2"}], "color": [0, 0, 0], "radius": 2}, r'event\.points\[0\]\.y: expected a number, got "2"'),
    ({"type": "stroke", "points": [{"x": 1, "y": 2}], "color": [0, 0, 300], "radius": 2}, r"event\.color\[2\]: must be in \[0, 255\], got 300"),
    ({"type": "stroke", "points": [{"x": 1, "y": 2}], "color": [0, 0], "radius": 2}, r"event\.color: expected 3 to 3 items, got 2"),
    ({"type": "load_image", "width": 2, "height": 2, "channels": 3, "data": "AAAA"}, r"event\.data: expected 12 bytes, got 3"),
    ({"type": "load_image", "width": 2, "height": 2, "channels": 3, "data": "!!"}, r"event\.data: not base64"),
    ({"type": "load_image", "width": 2, "height": 2, "channels": 1, "data": "AAAA"}, r"event\.channels: expected 3 \(RGB\) or 4"),
    ({"type": "load_image", "width": 5000, "height": 2, "channels": 3, "data": ""}, r"at most 512 pixels a side"),
])
def test_bad_events_name_the_field(event, message):
    with pytest.raises(SchemaError, match=message):
        Canvas(size=8, image="empty").handle(event)


@pytest.mark.parametrize("value", ["picture", "missing", "builtin"])
def test_image_setting_cannot_be_set_by_an_event(picture_file, tmp_path, value):
    # A web page must not make the scene read a file, nor learn whether one exists.
    path = {"picture": str(picture_file), "missing": str(tmp_path / "nope.png"), "builtin": "builtin"}[value]
    scene = Canvas(image="empty", size=16)
    with pytest.raises(SchemaError, match=r'^event\.key: setting "image" of scene canvas can only be given on the command line'):
        scene.handle({"type": "set", "key": "image", "value": path})
    assert scene.values["image"] == "empty" and scene.frame()["painted"] == 0
    assert "image" not in [s["name"] for s in Canvas.describe()["settings"]]


def test_missing_or_bad_image_file_is_a_clear_error(tmp_path):
    with pytest.raises(Exception, match=r"nope\.png: no such file"):
        Canvas(image=str(tmp_path / "nope.png"))
    (tmp_path / "junk.png").write_bytes(b"not a png")
    with pytest.raises(Exception, match=r"junk\.png: not a readable image"):
        Canvas(image=str(tmp_path / "junk.png"))


# ---- the command line ----

def test_cli_canvas_writes_png_side_by_side(tmp_path, picture_file):
    out = tmp_path / "c.png"
    result = subprocess.run([sys.executable, "-m", "diffplay.cli", "scene", "canvas", "--set", f"image={picture_file}",
                             "--set", "size=32", "--steps", "30", "--out", str(out), "--json"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.splitlines()[-1])
    assert summary["steps"] == 30 and summary["painted"] == 32 * 32 and summary["psnr"] > 10
    from PIL import Image

    assert Image.open(out).size == ((2 * 32 + 1) * 4, 32 * 4)


def test_cli_missing_image_exits_2(tmp_path):
    result = subprocess.run([sys.executable, "-m", "diffplay.cli", "scene", "canvas", "--set", "image=/no/such.png",
                             "--out", str(tmp_path / "c.png")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "/no/such.png: no such file" in result.stderr


def white_background_picture(size=96):
    """A black stem and a green crown on white, as the lsystem's PNG: most pixels white."""
    pixels = np.full((size, size, 4), 255, np.uint8)
    y, x = np.mgrid[0:size, 0:size]
    pixels[(abs(x - size / 2) < 3) & (y > size / 2)] = (40, 30, 20, 255)
    pixels[np.hypot(x - size / 2, y - size / 3) < size / 5] = (30, 150, 60, 255)
    return pixels


def load_event(pixels):
    height, width, channels = pixels.shape
    return {"type": "load_image", "width": width, "height": height, "channels": channels,
            "data": base64.b64encode(np.ascontiguousarray(pixels).tobytes()).decode()}


def test_a_picture_loaded_after_training_on_another_is_learned_as_well_as_from_the_command_line(tmp_path):
    scene = Canvas().run(300)   # a network trained on the builtin sunset, as a page has it
    scene.handle(load_event(white_background_picture()))
    assert scene.steps == 0   # a fresh network, as the command line starts one
    scene.run(2000)
    save_png(tmp_path / "tree.png", white_background_picture()[..., :3])
    from_cli = Canvas(image=str(tmp_path / "tree.png")).run(2000)
    assert scene.psnr() >= 25
    np.testing.assert_array_equal(scene.render_output(), from_cli.render_output())   # the very same run


def test_reset_and_a_new_size_keep_the_loaded_picture():
    scene = Canvas(size=32)
    scene.handle(load_event(white_background_picture()))
    loaded = scene.target.copy()
    scene.handle({"type": "reset"})
    np.testing.assert_array_equal(scene.target, loaded)
    scene.handle({"type": "set", "key": "size", "value": 48})
    assert scene.target.shape == (48, 48, 3) and scene.target[0, 0].tolist() == [1, 1, 1]
    assert abs(scene.target.mean() - loaded.mean()) < 0.02


def test_transparent_pixels_are_white_paper_from_the_page_and_from_a_file(tmp_path):
    pixels = np.zeros((8, 8, 4), np.uint8)   # transparent black, as a canvas or an SVG's background
    pixels[:4, :, :] = (255, 0, 0, 255)
    scene = Canvas(size=8)
    scene.handle(load_event(pixels))
    save_png(tmp_path / "clear.png", pixels)
    from_file = load_png(tmp_path / "clear.png", 8)
    for target in (scene.target, from_file):
        assert target[6, 3].tolist() == [1, 1, 1] and target[1, 3].tolist() == [1, 0, 0]


def test_a_busy_canvas_redraws_an_eighth_of_its_picture_a_frame_in_turn():
    scene = Canvas()
    scene.advance_piece()
    scene.frame()   # a whole picture first
    scene.handle({"type": "busy", "on": True})
    assert "an eighth of the picture" in scene.lighter
    for turn in range(8):
        before = scene.shown
        scene.advance_piece()   # the network learns: every pixel's colour moves
        frame = scene.frame()
        now, fresh = scene.shown, scene.render_output()
        redrawn = np.zeros(now.shape[:2], bool)
        redrawn[turn // 4::2, turn % 4::4] = True
        np.testing.assert_allclose(now[redrawn], fresh[redrawn], rtol=1e-6)   # this turn's pixels: the network's now
        np.testing.assert_array_equal(now[~redrawn], before[~redrawn])   # the others: as the last frame showed them
        assert not np.allclose(now[~redrawn], fresh[~redrawn], rtol=1e-6)
        assert frame["output"] == raster(np.round(now * 255))
    scene.handle({"type": "busy", "on": False})
    scene.advance_piece()
    scene.frame()
    np.testing.assert_array_equal(scene.shown, scene.render_output())   # alone again: the whole picture a frame
