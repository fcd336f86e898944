"""The ik scene: reaching random targets, joint limits, unreachable targets, the obstacle, dragging."""

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from diffplay.scenes.ik import BUSY_ITERATIONS, IK, TOLERANCE
from diffplay.scenes.schema import SchemaError

torch = pytest.importorskip("torch")


def aim(scene, x, y):
    scene.handle({"type": "drag", "x": float(x), "y": float(y)})
    scene.step(0.0)
    return scene.miss()


def random_reachable_targets(scene, count, seed):
    """Hands of random poses within the joint limits: targets the arm can surely reach."""
    rng = np.random.default_rng(seed)
    return [scene.joints(np.arcsin(rng.uniform(-1, 1, scene.values["joints"])))[-1] for _ in range(count)]


def test_six_joint_arm_reaches_50_random_targets_within_1e_3_from_its_home_pose():
    scene = IK(joints=6)
    misses = []
    for target in random_reachable_targets(scene, 50, seed=0):
        scene.u = scene.starts[0].copy()   # a cold solve each time
        misses.append(aim(scene, *target))
    assert max(misses) <= TOLERANCE, max(misses)


@pytest.mark.parametrize("joints", [2, 20])
def test_shortest_and_longest_arms_reach_random_targets(joints):
    scene = IK(joints=joints, seed=1)
    for target in random_reachable_targets(scene, 10, seed=joints):
        assert aim(scene, *target) <= TOLERANCE


def test_dragging_with_warm_starts_keeps_the_hand_on_the_target():
    scene = IK(joints=6)
    for k in range(100):
        a = 2 * math.pi * k / 100
        r = 0.6 + 0.25 * math.sin(3 * a)
        assert aim(scene, r * math.cos(a), r * math.sin(a)) <= TOLERANCE


def test_a_busy_arm_solves_a_few_iterations_a_frame_and_still_reaches_every_target():
    quiet, busy = IK(joints=6), IK(joints=6)
    busy.handle({"type": "busy", "on": True})
    per_frame = {quiet: [], busy: []}
    for target in random_reachable_targets(quiet, 30, seed=3):
        for scene in (quiet, busy):
            scene.handle({"type": "drag", "x": float(target[0]), "y": float(target[1])})
            frames = 0
            while scene.step(1.0):
                per_frame[scene].append(scene.evaluations - sum(per_frame[scene]))
                frames += 1
            assert scene.miss() <= TOLERANCE and frames <= (1 if scene is quiet else 200)
    assert max(per_frame[busy]) < max(per_frame[quiet]) and len(per_frame[busy]) > 2 * len(per_frame[quiet])
    assert max(per_frame[busy]) <= 4 * BUSY_ITERATIONS   # a few evaluations an iteration, a restart's first one


def test_joint_limits_hold_even_when_the_target_pulls_past_them():
    scene = IK(joints=4, limit=30)
    for x, y in [(0.0, -0.9), (-0.9, 0.1), (0.2, 0.1), (0.0, -3.0)]:
        aim(scene, x, y)
        angles = scene.frame()["angles"]
        assert max(abs(a) for a in angles) <= 30 + 1e-9


def test_unreachable_target_ends_with_the_arm_stretched_toward_it_and_flagged():
    scene = IK(joints=6, target=[1.5, 1.0]).run()
    hand = scene.joints()[-1]
    direction = np.array([1.5, 1.0]) / math.hypot(1.5, 1.0)
    np.testing.assert_allclose(hand, direction * 1.0, atol=1e-4)   # links add up to 1
    for numbers in (scene.frame(), scene.summary()):
        assert numbers["reachable"] is False and numbers["reached"] is False
        assert numbers["distance"] == pytest.approx(math.hypot(1.5, 1.0) - 1.0, abs=1e-4)


def test_target_on_the_base_folds_the_arm_without_nan():
    scene = IK(joints=6, target=[0.0, 0.0]).run()
    frame = json.loads(json.dumps(scene.frame(), allow_nan=False))
    assert frame["reachable"] and frame["distance"] <= TOLERANCE


def test_arm_reaches_around_the_obstacle_and_keeps_clear_of_it():
    scene = IK(joints=8, target=[0.1, 0.75], obstacle=[0.275, 0.335, 0.08]).run()
    frame = scene.frame()
    assert frame["reached"] and frame["clearance"] >= 0.02 - 2e-3   # the margin, give or take the penalty's give
    straight = IK(joints=8, target=[0.1, 0.75]).run()
    assert straight.frame()["clearance"] is None
    straight.handle({"type": "obstacle", "x": 0.275, "y": 0.335, "r": 0.08})
    assert straight.clearance() < 0   # the unobstructed pose ran through it


def test_a_frame_takes_one_step_whatever_its_budget():
    scene = IK()
    assert scene.step(1.0) == 1 and scene.converged()


def test_a_settled_arm_takes_no_step_until_the_target_moves():
    scene = IK()
    scene.step(1.0)
    before = scene.frame()
    assert scene.at_rest() and scene.step(1.0) == 0 and scene.frame() == before   # the studio sends nothing
    scene.handle({"type": "drag", "x": -0.3, "y": 0.6})
    assert not scene.at_rest() and scene.step(1.0) == 1 and scene.frame()["reached"]


def test_moving_the_obstacle_reopens_the_solve_and_clearing_it_removes_it():
    scene = IK(target=[0.2, 0.7]).run()
    assert scene.converged()
    scene.handle({"type": "obstacle", "x": 0.1, "y": 0.4, "r": 0.1})
    assert not scene.converged()
    scene.step(0.0)
    scene.handle({"type": "clear_obstacle"})
    assert scene.obstacle is None and scene.frame()["obstacle"] is None


def torch_energy(u, lengths, limit, target, obstacle, margin, weight):
    """The same energy written plainly in torch: a loop over links."""
    heading = math.pi / 2
    point = torch.zeros(2, dtype=torch.float64)
    penalty = 0.0
    centre = torch.tensor(obstacle[:2], dtype=torch.float64)
    for i, length in enumerate(lengths):
        heading = heading + limit * torch.sin(u[i])
        link = length * torch.stack([torch.cos(heading), torch.sin(heading)])
        t = torch.clamp(((centre - point) * link).sum() / length**2, 0.0, 1.0)
        gap = point + t * link - centre
        penalty = penalty + torch.relu(obstacle[2] + margin - torch.sqrt((gap * gap).sum() + 1e-18)) ** 2
        point = point + link
    miss = point - torch.tensor(target, dtype=torch.float64)
    return (miss * miss).sum() + weight * penalty


@pytest.mark.parametrize("obstacle", [True, False])
def test_energy_and_gradient_match_torch_and_finite_differences(obstacle):
    scene = IK(joints=5, target=[0.3, 0.6])
    u = np.random.default_rng(2).uniform(-1, 1, 5)
    joints = scene.joints(u)
    scene.place([*((joints[1] + joints[2]) / 2 + 0.01), 0.05] if obstacle else [])   # across the second link: in the way
    circle = scene.obstacle.tolist() if obstacle else [0.0, 0.0, -1.0]   # a circle of radius −1 is never in the way
    if obstacle:
        assert scene.penalty(*scene.pose(u)[1:3])[0] > 0
    loss, grad = scene.energy(u)
    theirs = torch.tensor(u, requires_grad=True)
    expected = torch_energy(theirs, scene.link_lengths, scene.limit, [0.3, 0.6], circle, 0.02, 100.0)
    expected.backward()
    assert loss == pytest.approx(expected.item(), rel=1e-12)
    np.testing.assert_allclose(grad, theirs.grad.numpy(), rtol=1e-8, atol=1e-10)
    eps = 1e-6
    numeric = [(scene.energy(u + eps * e)[0] - scene.energy(u - eps * e)[0]) / (2 * eps) for e in np.eye(u.size)]
    np.testing.assert_allclose(grad, numeric, atol=1e-6)


@pytest.mark.parametrize("settings, message", [
    ({"joints": 3, "lengths": [0.5, 0.5]}, r"settings\.lengths: expected 3 lengths \(one per joint\), got 2"),
    ({"obstacle": [0.1, 0.2]}, r"settings\.obstacle: expected x,y,r \(3 numbers\) or nothing, got 2"),
    ({"joints": 21}, r"settings\.joints: must be in \[2, 20\], got 21"),
    ({"joints": 1}, r"settings\.joints: must be in \[2, 20\], got 1"),
])
def test_bad_settings_are_refused_with_the_field(settings, message):
    with pytest.raises(SchemaError, match=message):
        IK(**settings)


def test_bad_events_name_the_field_and_leave_the_scene_as_it_was():
    scene = IK()
    with pytest.raises(SchemaError, match=r"event\.r: must be in"):
        scene.handle({"type": "obstacle", "x": 0, "y": 0, "r": 0})
    with pytest.raises(SchemaError, match=r"event\.x: expected a number"):
        scene.handle({"type": "drag", "x": "left", "y": 0})
    assert scene.obstacle is None and scene.target.tolist() == [0.5, 0.5]


def test_frame_validates_and_lists_every_joint():
    scene = IK(joints=7, lengths=[0.3, 0.2, 0.2, 0.1, 0.1, 0.05, 0.05]).run()
    frame = json.loads(json.dumps(scene.frame()))
    IK.frame_schema.check(frame, "frame")
    assert len(frame["joints"]) == 8 and frame["joints"][0] == {"x": 0.0, "y": 0.0}
    assert frame["reach"] == pytest.approx(1.0) and frame["reached"]


def test_cli_solves_and_draws(tmp_path):
    out = tmp_path / "arm.png"
    result = subprocess.run([sys.executable, "-m", "diffplay.cli", "scene", "ik", "--set", "target=2,0", "--json",
                             "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.splitlines()[-1])
    assert summary["reachable"] is False and summary["distance"] == pytest.approx(1.0, abs=1e-4)
    assert out.read_bytes()[:4] == b"\x89PNG"
