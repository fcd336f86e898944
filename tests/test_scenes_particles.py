"""The particles scene: the integrator, gradients through contact, landing, shapes, long rollouts, scans."""

import json
import subprocess
import sys
import tracemalloc

import numpy as np
import pytest

from diffplay.engine.gradcheck import gradcheck
from diffplay.engine.tensor import Tensor
from diffplay.scenes.blobs import unarray
from diffplay.scenes.parts.particle_physics import World, flight, kept_steps, rollout, scan
from diffplay.scenes.particles import BUSY_PATH_POINTS, PATH_POINTS, Particles, letter_points
from diffplay.scenes.schema import SchemaError
from test_tensor_checks import assert_matches_torch

torch = pytest.importorskip("torch")


def landed(scene):
    return np.hypot(*(scene.finals() - scene.targets).T)


# ---- the physics ----

def test_free_flight_follows_semi_implicit_euler_exactly():
    world = World(width=100.0, drag=0.0, steps=50)
    start, v0 = np.array([50.0, 20.0]), np.array([[1.0, 2.0]])
    final = rollout(world, start, Tensor(v0)).data
    t, dt, g = world.steps, world.dt, world.gravity
    expected = start + v0 * t * dt - np.array([0.0, g]) * dt * dt * t * (t + 1) / 2   # v_k = v0 - k g dt, x += v_k dt
    np.testing.assert_allclose(final, expected, atol=1e-9)


@pytest.mark.parametrize("drag", [0.1, 0.0])
def test_a_free_flight_clear_of_the_walls_is_the_stepped_one_in_one_pass(drag):
    world = World(width=10.0, drag=drag, steps=60)
    rng = np.random.default_rng(2)
    start, velocity = np.array([5.0, 5.0]), rng.uniform(-2, 2, (8, 2)) + [0.0, 3.0]
    weight = rng.standard_normal((len(kept_steps(world.steps, 7)), 8, 2))
    paths = []
    for free in (False, True):
        x, v = Tensor(start, requires_grad=True), Tensor(velocity, requires_grad=True)
        (flight(x, v, world=world, every=7, free=free) * weight).sum().backward()
        paths.append((flight(start, velocity, world=world, every=7, free=free), x.grad, v.grad))
    for stepped, one_pass in zip(*paths):
        np.testing.assert_allclose(one_pass, stepped, rtol=1e-12, atol=1e-12)
    path = lambda x, v: (flight(x, v, world=world, every=7, free=True) * weight).sum()
    assert max(gradcheck(path, [Tensor(start), Tensor(velocity)])) < 1e-6


def test_a_free_flight_that_nears_a_wall_is_stepped_through_the_contact():
    world = World(steps=40, width=1.0)
    start, velocity = np.array([0.5, 0.1]), np.array([[-3.0, -1.0], [0.2, 2.0]])   # the first bounces off the left wall
    assert (flight(start, velocity, world=world, every=4, free=True) == flight(start, velocity, world=world, every=4)).all()


def test_floor_holds_a_dropped_particle_where_its_spring_balances_gravity():
    world = World(steps=600, drag=3.0)
    final = rollout(world, np.array([2.0, 1.0]), Tensor(np.zeros((1, 2)))).data
    s, k, g = world.softness, world.stiffness, world.gravity
    rest = -s * np.log(np.expm1(g / (k * s)))   # k·s·softplus(-y/s) = g
    assert final[0, 1] == pytest.approx(rest, abs=1e-4) and 0 < rest < 3 * s


def torch_rollout(velocity, start, world):
    x = torch.tensor(np.broadcast_to(start, velocity.shape).copy())
    v = velocity
    s = world.softness
    low, high = torch.zeros(2, dtype=torch.float64), torch.tensor([world.width, 1e6], dtype=torch.float64)
    zero = torch.zeros((), dtype=torch.float64)
    fall = torch.tensor([0.0, -world.gravity * world.dt], dtype=torch.float64)
    for _ in range(world.steps):
        # logaddexp(z, 0) is softplus exactly (torch's softplus turns linear past z = 20)
        push = torch.logaddexp((low - x) / s, zero) - torch.logaddexp((x - high) / s, zero)
        v = v * (1 - world.drag * world.dt) + push * world.stiffness * s * world.dt + fall
        x = x + v * world.dt
    return x


def test_rollout_through_bounces_matches_torch_and_finite_differences():
    world = World(steps=40, width=1.0)
    start = np.array([0.5, 0.1])
    velocity = np.array([[-3.0, -1.0], [3.0, 0.5], [0.2, -2.0]])   # into the left wall, the right, the floor
    final = rollout(world, start, Tensor(velocity)).data
    assert final[0, 0] > 0 and final[1, 0] < 1.0   # they came back
    assert_matches_torch(lambda v: rollout(world, start, v), lambda v: torch_rollout(v, start, world), velocity)


def test_gradient_of_the_whole_kept_path_matches_finite_differences():
    world = World(steps=23, width=1.0)
    rng = np.random.default_rng(1)
    start, velocity = np.array([0.5, 0.1]), np.array([[-3.0, -1.0], [3.0, 0.5], [0.2, -2.0]])
    weight = rng.standard_normal((len(kept_steps(world.steps, 5)), 3, 2))
    path = lambda x, v: (flight(x, v, world=world, every=5) * weight).sum()
    assert max(gradcheck(path, [Tensor(start), Tensor(velocity)])) < 1e-6   # every frame's pull reaches both


def test_2048_step_rollout_backpropagates_without_recursion_in_bounded_memory():
    scene = Particles(particles=16, time_steps=2048, dt=0.001)
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(300)   # far below the graph's depth (about 25,000 nodes in a chain)
    tracemalloc.start()
    try:
        scene.advance()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        sys.setrecursionlimit(old_limit)
    assert np.isfinite(scene.velocity.grad).all() and np.abs(scene.velocity.grad).max() > 0
    assert peak < 8e6, f"peak {peak / 1e6:.1f} MB"   # measured about 1.4 MB: 512 bytes of slopes per time step


# ---- the figures ----

def test_one_particle_hits_20_reachable_targets_within_1e_3_in_300_adam_steps():
    # 20 independent one-particle problems at once: Adam's update is per coordinate and
    # scale-free, so sharing one mean loss changes nothing but the 1/20 in every gradient.
    rng = np.random.default_rng(0)
    targets = np.stack([rng.uniform(0.8, 3.6, 20), rng.uniform(0.2, 3.0, 20)], 1)   # in the room, above the floor
    scene = Particles(shape="target", particles=20)
    scene.handle({"type": "places", "points": targets.tolist()})
    scene.run(steps=300)
    assert (landed(scene) <= 1e-3).sum() == 20, landed(scene)


def test_sharing_one_loss_gives_the_same_flights_as_separate_runs():
    targets = [[1.5, 2.0], [3.0, 0.6]]
    together = Particles(shape="target", particles=2)
    together.handle({"type": "places", "points": targets})
    together.run(steps=20)
    for i, target in enumerate(targets):
        alone = Particles(shape="target", particles=1, target=target).run(steps=20)
        np.testing.assert_allclose(together.velocity.data[i], alone.velocity.data[0], rtol=1e-6)


def test_16_particles_form_a_circle_with_max_error_1e_3_within_300_steps():
    scene = Particles(shape="circle", particles=16).run(steps=300)
    assert landed(scene).max() <= 1e-3
    summary = scene.summary()
    assert summary["reached"] and summary["max_error"] <= 1e-3


def test_a_busy_scene_flies_clear_flights_in_one_pass_draws_half_the_points_and_still_lands():
    quiet, busy = Particles(shape="circle", particles=16), Particles(shape="circle", particles=16)
    busy.handle({"type": "busy", "on": True})
    stepped = flight(busy.start, busy.velocity.data, world=busy.world, every=busy.every)
    one_pass = flight(busy.start, busy.velocity.data, world=busy.world, every=busy.every, free=True)
    busy.advance()   # from these velocities
    assert (busy.seen == one_pass).all() and not (one_pass == stepped).all()   # the piece took the pass
    for scene in (quiet, busy):
        scene.run(steps=300)
    assert landed(busy).max() <= 1e-3 and busy.frame()["reached"]
    quiet_paths, busy_paths = unarray(quiet.frame()["paths"]), unarray(busy.frame()["paths"])
    assert busy_paths.shape[1] <= BUSY_PATH_POINTS + 2 < quiet_paths.shape[1] <= PATH_POINTS + 2
    np.testing.assert_allclose(busy_paths[:, -1], busy.finals(), atol=1e-4)   # each still ends where it lands


def test_letter_places_spread_along_the_strokes():
    points = letter_points("L", 30, [0.0, 0.0], 1.0)
    on_stem = np.isclose(points[:, 0], -1.0)
    on_foot = np.isclose(points[:, 1], -1.0)
    assert (on_stem | on_foot).all() and on_stem.sum() == pytest.approx(15, abs=1)


# ---- the scan ----

def test_scan_losses_and_slopes_match_single_flights_and_finite_differences():
    world, start, target = World(), np.array([0.5, 0.5]), np.array([2.5, 1.5])
    angles = np.radians([20.0, 60.0, 120.0])
    losses, slopes, _ = scan(world, start, 6.0, target, angles)
    for angle, loss, slope in zip(angles, losses, slopes):
        def at(a):
            return float((((rollout(world, start, Tensor([[6 * np.cos(a), 6 * np.sin(a)]])).data - target) ** 2).sum()))
        assert loss == pytest.approx(at(angle), rel=1e-12)
        assert slope == pytest.approx((at(angle + 1e-6) - at(angle - 1e-6)) / 2e-6, rel=1e-5, abs=1e-6)


def test_scan_shows_contact_where_the_landscape_is_rough():
    scene = Particles(shape="target", particles=1, velocity=[3.0, 5.196])   # 6 m/s at 60°
    scene.handle({"type": "click", "x": float(scene.finals()[0, 0]), "y": float(scene.finals()[0, 1])})
    scene.handle({"type": "scan"})
    s = scene.frame()["scan"]
    losses, contact = np.array(s["losses"]), np.array(s["contact"])
    minima = (losses[1:-1] < losses[:-2]) & (losses[1:-1] < losses[2:])
    free_minima, contact_minima = (minima & ~contact[1:-1]).sum(), (minima & contact[1:-1]).sum()
    assert free_minima == 1 and contact_minima >= 2   # one clean valley; ripples where it touches
    best = int(np.argmin(losses))
    assert not contact[best] and s["angles"][best] == pytest.approx(60)


# ---- bad input and frames ----

def test_zero_particles_is_refused_with_the_setting():
    with pytest.raises(SchemaError, match=r"settings\.particles: must be in \[1, 1024\], got 0"):
        Particles(particles=0)


def test_places_need_one_point_per_particle():
    with pytest.raises(SchemaError, match=r"event\.points: expected one point per particle \(16\), got 2"):
        Particles().handle({"type": "places", "points": [[1, 1], [2, 2]]})


def test_target_below_the_floor_is_flagged_and_stays_finite():
    scene = Particles(shape="target", particles=1, target=[2.0, -1.0]).run(steps=30)
    frame = json.loads(json.dumps(scene.frame(), allow_nan=False))
    assert frame["reachable"] is False and frame["reached"] is False
    assert frame["particles"][0][1] > -0.05   # the floor held it
    assert frame["max_error"] == pytest.approx(np.hypot(*(np.array(frame["particles"][0]) - [2.0, -1.0])))


def test_the_end_of_the_schedule_rests_until_a_click():
    scene = Particles(particles=4, schedule=5).run(steps=5)
    assert scene.at_rest() and scene.step(1.0) == 0 and scene.since_aim == 5
    scene.handle({"type": "click", "x": 3.0, "y": 2.0})
    assert not scene.at_rest() and scene.step(0.0) == 1


def test_click_moves_the_shape_and_restarts_the_schedule():
    scene = Particles().run(steps=20)
    scene.handle({"type": "click", "x": 3.0, "y": 2.0})
    assert scene.since_aim == 0 and np.allclose(scene.targets.mean(0), [3.0, 2.0])
    frame = json.loads(json.dumps(scene.frame()))
    Particles.frame_schema.check(frame, "frame")
    assert unarray(frame["paths"]).shape[0] == 16 and frame["scan"] is None


def test_cli_writes_the_picture_and_summary(tmp_path):
    out = tmp_path / "p.png"
    result = subprocess.run([sys.executable, "-m", "diffplay.cli", "scene", "particles", "--set", "particles=4",
                             "--steps", "30", "--json", "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.splitlines()[-1])
    assert summary["particles"] == 4 and summary["reachable"] is True
    assert out.read_bytes()[:4] == b"\x89PNG"
