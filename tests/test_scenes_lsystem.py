"""The lsystem scene: rewriting and its limits, the turtle's tree, kinematics vs torch, reaching clicks."""

import json
import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diffplay.engine.lbfgs import minimize
from diffplay.scenes.blobs import unarray
from diffplay.engine.tensor import Tensor
from diffplay.errors import UsageError
from diffplay.scenes.parts import kinematics
from diffplay.scenes.parts.kinematics import KinematicTree
from diffplay.scenes.lsystem import ITERATIONS_PER_STEP, LSystem
from diffplay.scenes.parts.lsystem_grammar import parse_rules, rewrite, turtle
from diffplay.scenes.schema import SchemaError
from test_tensor_checks import assert_matches_torch

torch = pytest.importorskip("torch")


# ---- rewriting ----

@pytest.mark.parametrize("n", range(5))
def test_bush_rule_gives_five_to_the_n_segments(n):
    word = rewrite("F", parse_rules("F=F[+F]F[-F]F"), n)
    assert word.count("F") == 5**n
    assert len(turtle(word, 25.7)) == 5**n


def test_plant_rules_accept_arrows_and_rewrite_both_symbols():
    rules = parse_rules("X -> F-[[X]+X]+F[+FX]-X\nF → FF")
    assert rules == {"X": "F-[[X]+X]+F[+FX]-X", "F": "FF"}
    assert rewrite("X", rules, 2) == "FF-[[F-[[X]+X]+F[+FX]-X]+F-[[X]+X]+F[+FX]-X]+FF[+FFF-[[X]+X]+F[+FX]-X]-F-[[X]+X]+F[+FX]-X"


def test_depth_six_binary_tree_has_64_tips():
    tree = turtle(rewrite("FX", parse_rules("X=[+FX][-FX]"), 6), 30)
    assert len(tree) == 127 and len(tree.tips()) == 64


@pytest.mark.parametrize("rules, message", [
    ("F=F[+F", r"rule F 'F\[\+F': unbalanced brackets: '\[' at column 2 is never closed"),
    ("F=F]+F", r"rule F 'F\]\+F': unbalanced brackets: '\]' at column 2 closes nothing"),
    ("F=F[+f]", r"unknown symbol 'f' at column 4"),
    ("F=F;F=FF", r"two rules for 'F'"),
    ("FF=F", r"the left side must be one symbol"),
    ("F F", r"'F F' is not a rule; write it as SYMBOL=REPLACEMENT"),
])
def test_bad_rules_are_refused_with_the_place(rules, message):
    with pytest.raises(UsageError, match=message):
        parse_rules(rules)


def test_axiom_with_unknown_symbol_is_refused():
    with pytest.raises(UsageError, match=r"axiom 'F\*': unknown symbol '\*' at column 2"):
        rewrite("F*", {}, 1)


def test_word_past_the_size_limit_is_refused_before_it_is_built():
    # ten to the twelfth symbols: counting, not rewriting, finds it
    with pytest.raises(UsageError, match=r"after 6 of 12 rewrites the word would have 1,000,000 symbols "
                                         r"\(limit 200,000\); use fewer iterations"):
        LSystem(preset="custom", axiom="F", rules="F=FFFFFFFFFF", iterations=12)


def test_word_that_draws_nothing_is_refused():
    with pytest.raises(UsageError, match=r"draws nothing"):
        LSystem(preset="custom", axiom="X", rules="X=+X", iterations=3)


@settings(max_examples=40)
@given(st.lists(st.sampled_from(list("FG+-|X[]")), max_size=40))
def test_turtle_makes_one_segment_per_draw_symbol_with_earlier_parents(symbols):
    word, depth = "", 0
    for s in symbols:   # keep the brackets balanced
        if s == "]" and depth == 0:
            continue
        depth += {"[": 1, "]": -1}.get(s, 0)
        word += s
    word += "]" * depth + "F"
    tree = turtle(word, 30)
    assert len(tree) == sum(word.count(c) for c in "FG")
    assert (tree.parent < np.arange(len(tree))).all()


# ---- kinematics ----

def random_tree(rng, n):
    return np.array([-1] + [int(rng.integers(-1, i)) for i in range(1, n)])


def bush(rng, n):
    """A turtle's tree cut to n segments: depth-first already, every branch a run of positions."""
    tree = turtle(rewrite("F", parse_rules("F=F[+F]F[-F]F"), 4), 25.7)
    return tree.parent[:n]


@settings(max_examples=30)
@given(n=st.integers(1, 400), seed=st.integers(0, 99))
def test_path_sums_by_runs_and_their_gradients_equal_the_path_matrixs(n, seed):
    rng = np.random.default_rng(seed)
    parent = (random_tree, lambda rng, n: np.arange(n) - 1, bush)[seed % 3](rng, n)   # shuffled, chains, turtles'
    x, weight = rng.standard_normal((n, 2)), rng.standard_normal((n, 2))
    matrix = KinematicTree(parent)._path_matrix()
    old = kinematics.DENSE_LIMIT
    kinematics.DENSE_LIMIT = 0
    try:
        ranged = KinematicTree(parent)
    finally:
        kinematics.DENSE_LIMIT = old
    assert ranged.matrix is None
    for shape in ((n, 2), (n,)):   # links and turns
        leaf = Tensor(x.reshape(-1)[:n] if len(shape) == 1 else x, requires_grad=True)
        out = ranged.path_sum(leaf)
        np.testing.assert_allclose(out.data, matrix @ leaf.data, atol=1e-12)
        w = weight[:, 0] if len(shape) == 1 else weight
        out.backward(w)
        np.testing.assert_allclose(leaf.grad, matrix.T @ w, atol=1e-12)   # what reaches a node: its subtree's sum
        np.testing.assert_allclose(ranged.subtree_sum(w), matrix.T @ w, atol=1e-12)


def torch_ends(parent, turns, lengths):
    """The turtle, one segment at a time, in torch."""
    headings, ends = [], []
    for i, p in enumerate(parent.tolist()):
        heading = (headings[p] if p >= 0 else math.pi / 2) + turns[i]
        start = ends[p] if p >= 0 else torch.zeros(2, dtype=torch.float64)
        headings.append(heading)
        ends.append(start + lengths[i] * torch.stack([torch.cos(heading), torch.sin(heading)]))
    return torch.stack(ends)


@pytest.mark.parametrize("dense", [True, False])
def test_tree_kinematics_match_torch_and_finite_differences(dense, monkeypatch):
    monkeypatch.setattr(kinematics, "DENSE_LIMIT", 256 if dense else 0)
    rng = np.random.default_rng(3)
    parent = random_tree(rng, 30)
    tree = KinematicTree(parent)
    assert (tree.matrix is not None) == dense
    assert_matches_torch(lambda t, l: tree.forward(t, l)[0], lambda t, l: torch_ends(parent, t, l),
                         rng.uniform(-1, 1, 30), rng.uniform(0.5, 1.5, 30))


@pytest.mark.parametrize("dense", [True, False])
def test_graph_free_kinematics_and_their_vjp_equal_the_traced_ones(dense, monkeypatch):
    monkeypatch.setattr(kinematics, "DENSE_LIMIT", 256 if dense else 0)
    rng = np.random.default_rng(4)
    tree = KinematicTree(random_tree(rng, 40))
    turns, lengths, weight = rng.uniform(-1, 1, 40), rng.uniform(0.5, 1.5, 40), rng.standard_normal((40, 2))
    ends, links, vjp = tree.ends(turns, lengths)
    t, l = Tensor(turns, requires_grad=True), Tensor(lengths, requires_grad=True)
    traced_ends, traced_links = tree.forward(t, l)
    traced_ends.backward(weight)
    np.testing.assert_allclose(ends, traced_ends.data, atol=1e-12)
    np.testing.assert_allclose(links, traced_links.data, atol=1e-12)
    d_turns, d_lengths = vjp(weight)
    np.testing.assert_allclose(d_turns, t.grad, atol=1e-12)
    np.testing.assert_allclose(d_lengths, l.grad, atol=1e-12)


def test_reach_of_a_chain_is_its_length_and_its_fold():
    near, far = KinematicTree([-1, 0, 1]).reach([1.0, 1.0, 3.0], [2.0, 2.0, 4.0])
    np.testing.assert_allclose(far, [2, 4, 8])
    np.testing.assert_allclose(near, [1, 0, 0])   # one link is at least 1 long; 3 + 4 - 8 < 0 folds to the root
    near, _ = KinematicTree([-1, 0]).reach([1.0, 5.0], [1.0, 5.0])
    np.testing.assert_allclose(near, [1, 4])   # a 5-long link folded back over a 1-long one


# ---- reaching ----

def distance_after(scene, x, y, steps):
    scene.reset()
    scene.handle({"type": "click", "x": x, "y": y})
    for _ in range(steps):
        scene.advance()
    return scene.state()[3]


def test_binary_tree_reaches_19_of_20_reachable_targets_within_1_percent_in_50_iterations():
    scene = LSystem(preset="binary", iterations=6)
    rng = np.random.default_rng(7)
    radius = rng.uniform(0.2, 0.9, 20) * scene.far.max()
    angle = rng.uniform(0.1, math.pi - 0.1, 20)
    steps = 50 // ITERATIONS_PER_STEP
    reached = 0
    for r, a in zip(radius, angle):
        distance = distance_after(scene, r * math.cos(a), r * math.sin(a), steps)
        assert scene.reachable() and scene.iterations <= 50
        reached += distance <= 0.01   # the tree is 1 unit tall
    assert reached >= 19


def test_steps_are_one_lbfgs_run_cut_into_pieces():
    scene = LSystem(preset="binary", iterations=4, target=[0.3, 0.8])
    whole = minimize(scene.energy, scene.x.copy(), max_iter=8)   # short of converging: every piece iterates
    scene.run(steps=8)
    assert scene.iterations == whole.iterations == 8
    np.testing.assert_allclose(scene.x, whole.x, rtol=1e-10, atol=1e-12)


def test_unreachable_click_without_stiffness_ends_at_the_closest_reachable_point_and_is_flagged():
    scene = LSystem(preset="binary", iterations=6, target=[0.0, 3.0], stiffness=0).run()
    _, _, nearest, distance = scene.state()
    closest = scene.far.max()   # straight up, every segment at its longest
    assert distance == pytest.approx(3.0 - closest, abs=1e-3)
    np.testing.assert_allclose(nearest, [0.0, closest], atol=2e-3)
    frame, summary = scene.frame(), scene.summary()
    assert frame["reachable"] is False and summary["reachable"] is False
    assert summary["distance"] == pytest.approx(3.0 - closest, abs=1e-3)


def bending(scene):
    """The largest turn of a branch away from its rest pose, in radians."""
    return np.abs(scene.x[:len(scene.tree)] - scene.tree.turn).max()


@pytest.mark.parametrize("target", [[0.0, 3.0], [2.5, 0.5]])
def test_out_of_reach_the_tree_stretches_as_far_as_it_can_while_staying_a_tree(target):
    crumpled = LSystem(target=target, stiffness=0).run()   # the bush
    stiff = LSystem(target=target).run()
    assert bending(crumpled) > 1.3 and bending(stiff) < 0.9   # no branch curled up (it was a full loop)
    at_rest = LSystem(target=target, stiffness=0)
    assert stiff.state()[3] < at_rest.state()[3] - 0.1   # it did reach out ...
    assert stiff.state()[3] - crumpled.state()[3] < 0.01   # ... nearly as far as the crumpled one
    assert stiff.frame()["reachable"] is False


def test_stiffness_does_not_keep_a_tip_from_a_reachable_target():
    for preset, iterations in (("bush", 4), ("plant", 5)):
        scene = LSystem(preset=preset, iterations=iterations, target=[0.4, 0.7]).run()
        assert scene.state()[3] < 1e-3


def test_click_on_a_tip_and_on_the_root_stays_finite():
    scene = LSystem(preset="binary", iterations=3)
    tip = scene.state()[0][scene.tips[0]]
    for x, y in (tip, (0.0, 0.0)):
        scene.handle({"type": "click", "x": float(x), "y": float(y)})
        scene.run(steps=15)   # L-BFGS iterations
        frame = json.loads(json.dumps(scene.frame(), allow_nan=False))
        assert np.isfinite(scene.x).all() and frame["distance"] < 1e-3


def test_energy_gradient_matches_finite_differences():
    scene = LSystem(preset="binary", iterations=3, target=[0.3, 0.5])
    x = scene.x + np.random.default_rng(0).uniform(-0.2, 0.2, scene.x.size)
    _, grad = scene.energy(x)
    eps = 1e-6
    numeric = [(scene.energy(x + eps * e)[0] - scene.energy(x - eps * e)[0]) / (2 * eps) for e in np.eye(x.size)]
    np.testing.assert_allclose(grad, numeric, atol=1e-6)


def test_length_ratios_stay_within_their_bounds():
    scene = LSystem(preset="binary", iterations=4, min_ratio=0.8, max_ratio=1.2, target=[2.0, 2.0]).run(steps=30)
    lengths = scene.lengths(scene.x[len(scene.tree):]) / scene.base
    assert lengths.min() >= 0.8 - 1e-12 and lengths.max() <= 1.2 + 1e-12


# ---- events and frames ----

def test_clear_stops_the_tree_and_frames_validate():
    scene = LSystem(preset="plant", iterations=3)
    scene.step(0.0)
    scene.handle({"type": "clear"})
    before = scene.x.copy()
    scene.step(0.0)
    assert np.array_equal(scene.x, before) and scene.converged()
    frame = json.loads(json.dumps(scene.frame()))
    LSystem.frame_schema.check(frame, "frame")
    assert frame["target"] is None and frame["reachable"] is None and frame["segments"]["shape"] == [len(scene.tree), 4]
    ends, starts, _, _ = scene.state()
    np.testing.assert_allclose(unarray(frame["segments"]), np.concatenate([starts, ends], 1), atol=1e-6)   # float32


def test_bad_click_names_the_field():
    with pytest.raises(SchemaError, match=r"event\.y: missing"):
        LSystem(preset="binary", iterations=2).handle({"type": "click", "x": 1})


def test_cli_draws_the_tree_and_reports_json(tmp_path):
    out = tmp_path / "tree.png"
    result = subprocess.run([sys.executable, "-m", "diffplay.cli", "scene", "lsystem", "--set", "preset=binary",
                             "--set", "iterations=5", "--set", "target=0.4,0.8", "--steps", "20", "--json",
                             "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.splitlines()[-1])
    assert summary["reachable"] is True and summary["distance"] < 0.01 and summary["tips"] == 32
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_refuses_an_exploding_system_with_exit_2(tmp_path):
    result = subprocess.run([sys.executable, "-m", "diffplay.cli", "scene", "lsystem", "--set", "preset=custom",
                             "--set", "rules=F=FFFFFFFFFF", "--set", "iterations=12", "--out", str(tmp_path / "t.png")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "use fewer iterations" in result.stderr and "Traceback" not in result.stderr
