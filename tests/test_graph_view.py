"""The graph view: a layered layout whose wires never pass behind a box, groups that collapse
and open, the chain rule at each step, and an SVG that is the same picture."""

import itertools
import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diffplay.engine.value import Value, topological_order
from diffplay.errors import UsageError
from diffplay.learn.position import position_graph
from diffplay.scenes.graph import Graph
from diffplay.scenes.parts import graph_layout
from diffplay.scenes.parts.backward_steps import SteppedBackward
from diffplay.scenes.parts.graph_layout import lay_out
from diffplay.scenes.parts.graph_svg import draw_svg
from diffplay.scenes.parts.graph_view import GraphView

SVG = "{http://www.w3.org/2000/svg}"
MLP = "layer 0 · MLP"


@pytest.fixture(scope="module")
def position():
    return position_graph("emma", 2)


def microgpt_view(position, *opened):
    view = GraphView(SteppedBackward(topological_order(position.root)), position.groups, position.labels)
    for name in opened:
        view.expand(name)
    return view


def readme_view():
    scene = Graph()
    return scene.graph_view


# ---- geometry the tests check every layout against ----

def boxes_of(fields):
    return np.array([[b["x"], b["y"], b["x"] + b["w"], b["y"] + b["h"]] for b in fields["boxes"]])


def curve_samples(points, per_segment=12):
    """Points along a wire, by graph_layout's rule: a cubic with vertical tangents between each two points."""
    p = np.asarray(points, float).reshape(-1, 2)
    t = np.linspace(0, 1, per_segment)[:, None]
    samples = []
    for (x0, y0), (x1, y1) in itertools.pairwise(p):
        middle = (y0 + y1) / 2
        c0, c1, c2, c3 = np.array([x0, y0]), np.array([x0, middle]), np.array([x1, middle]), np.array([x1, y1])
        samples.append((1 - t) ** 3 * c0 + 3 * (1 - t) ** 2 * t * c1 + 3 * (1 - t) * t**2 * c2 + t**3 * c3)
    return np.concatenate(samples)


def assert_wires_miss_every_box(fields):
    boxes = boxes_of(fields)
    inner = boxes + np.array([0.5, 0.5, -0.5, -0.5])
    points = np.concatenate([curve_samples(w["points"]) for w in fields["wires"]])
    for start in range(0, len(points), 20_000):
        x, y = points[start:start + 20_000, :1], points[start:start + 20_000, 1:]
        inside = (x > inner[:, 0]) & (x < inner[:, 2]) & (y > inner[:, 1]) & (y < inner[:, 3])
        assert not inside.any(), f"a wire runs behind box {np.argwhere(inside)[0][1]}"


def assert_boxes_apart(fields):
    b = boxes_of(fields)
    overlap = ((b[:, None, 0] < b[None, :, 2]) & (b[None, :, 0] < b[:, None, 2])
               & (b[:, None, 1] < b[None, :, 3]) & (b[None, :, 1] < b[:, None, 3]))
    np.fill_diagonal(overlap, False)
    assert not overlap.any()


def assert_arrows_on_consumers(fields):
    """A trunk leaves its source's bottom side; an arrowed wire ends on its consumer's top side."""
    for wire in fields["wires"]:
        if wire["to"] is None:
            box, (x, y) = fields["boxes"][wire["from"]], wire["points"][:2]
            assert y == pytest.approx(box["y"] + box["h"]) and box["x"] < x < box["x"] + box["w"]
        else:
            box, (x, y) = fields["boxes"][wire["to"]], wire["points"][-2:]
            assert y == pytest.approx(box["y"]) and box["x"] < x < box["x"] + box["w"]
            assert wire.get("label") is None or wire["label"][1] < box["y"]   # a count, in the gap above


def check(fields):
    assert_boxes_apart(fields)
    assert_wires_miss_every_box(fields)
    assert_arrows_on_consumers(fields)


# ---- the layout ----

def test_readme_expression_layout_keeps_wires_off_boxes_and_arrows_on_consumers():
    check(readme_view().fields())


def test_collapsed_and_opened_microgpt_layouts_keep_wires_off_boxes(position):
    check(microgpt_view(position).fields())
    check(microgpt_view(position, MLP, "layer 0 · head 1").fields())


def test_every_edge_goes_from_a_layer_to_a_lower_one_on_the_page():
    order = Graph().order
    index = {v: i for i, v in enumerate(order)}
    edges = {(index[c], index[v]) for v in order for c in v._children}
    laid = lay_out([(132, 48)] * len(order), [(a, b, 1) for a, b in edges])
    assert all(laid.layer[a] < laid.layer[b] for a, b in edges)
    assert all(laid.y[a] + 48 < laid.y[b] for a, b in edges)   # inputs above, consumers below


def test_a_leaf_sits_just_above_its_nearest_consumer():
    scene = Graph(expression="d = ((a * 2).tanh() + 1).exp() * b", variables="a = 1, b = 2")
    layer = lay_out([(132, 48)] * len(scene.order), edges_of(scene.order)).layer
    b = scene.order.index(scene.variables["b"])
    assert layer[b] == layer[-1] - 1 and layer[scene.order.index(scene.variables["a"])] == 0


def edges_of(order):
    index = {v: i for i, v in enumerate(order)}
    return [(a, b, 1) for a, b in {(index[c], index[v]) for v in order for c in v._children}]


@st.composite
def dags(draw):
    """A random DAG: each node after the first few takes 1 to 3 earlier nodes as inputs."""
    n = draw(st.integers(2, 40))
    edges = set()
    for v in range(1, n):
        for u in draw(st.lists(st.integers(0, v - 1), min_size=1, max_size=3)):
            edges.add((u, v))
    return n, sorted(edges)


@settings(max_examples=60, deadline=None)
@given(dags(), st.booleans())
def test_any_dag_lays_out_without_overlaps_or_wires_behind_boxes(dag, tight_budget):
    n, edges = dag
    budget = 3 if tight_budget else graph_layout.DUMMY_BUDGET   # a tight budget sends long edges round the outside
    laid = lay_out([(60 + 7 * (i % 5), 30 + 4 * (i % 3)) for i in range(n)], [(u, v, 1) for u, v in edges], budget)
    fields = {"boxes": [{"x": laid.x[i], "y": laid.y[i], "w": laid.w[i], "h": laid.h[i]} for i in range(n)],
              "wires": [{"points": w.points, "from": w.source, "to": w.target} for w in laid.wires]}
    check(fields)
    arrowed = [(w.source, w.target) for w in laid.wires if w.target is not None]
    assert sorted(arrowed) == edges and all(laid.layer[u] < laid.layer[v] for u, v in edges)


def test_long_edges_past_the_slot_budget_run_in_a_lane_left_of_the_drawing():
    edges = [(0, 1, 1), (1, 2, 1), (2, 3, 1), (3, 4, 1), (0, 4, 1), (0, 3, 1)]
    laid = lay_out([(80, 30)] * 5, edges, slot_budget=0)
    trunk = next(w for w in laid.wires if w.target is None)
    assert trunk.source == 0 and min(trunk.points[::2]) < min(laid.x)
    check({"boxes": [{"x": laid.x[i], "y": laid.y[i], "w": 80, "h": 30} for i in range(5)],
           "wires": [{"points": w.points, "from": w.source, "to": w.target} for w in laid.wires]})


def test_a_ten_thousand_node_chain_costs_one_chain_of_slots():
    scene = Graph(expression="x = 1.0\ny = x" + " + x" * 9999, variables="")
    fields = scene.graph_view.fields()
    trunks = [w for w in fields["wires"] if w["to"] is None]
    assert len(fields["boxes"]) == 10_000 and len(trunks) == 1   # x's one trunk, branching off to every +


# ---- groups ----

def test_microgpt_position_starts_collapsed_into_its_named_blocks(position):
    fields = microgpt_view(position).fields()
    titles = {b["title"] for b in fields["boxes"]}
    assert {"embedding", "layer 0 · attention", MLP, "logits", "loss", "earlier positions", "wte", "layer0.mlp_fc1"} <= titles
    assert {f"layer 0 · head {h}" for h in range(4)} <= titles
    assert all(b["kind"] == "group" for b in fields["boxes"]) and len(fields["boxes"]) < 30
    assert sum(b["nodes"] for b in fields["boxes"]) == len(topological_order(position.root))
    assert fields["boxes"][fields["bounds"]["root"]]["title"] == "loss"


def test_a_group_made_in_two_goes_is_two_boxes_in_order(position):
    fields = microgpt_view(position).fields()
    parts = sorted((b["y"], b["sub"]) for b in fields["boxes"] if b["title"] == "layer 0 · attention")
    assert [sub.split(" · ")[0] for _, sub in parts] == ["part 1 of 2", "part 2 of 2"]


def test_opening_a_block_shows_its_nodes_and_keeps_weights_grouped_per_matrix(position):
    view = microgpt_view(position, MLP)
    boxes = view.fields()["boxes"]
    members = [b for b in boxes if b["group"] == MLP]
    assert len(members) == sum(1 for g in position.groups.values() if g == MLP) and all(b["kind"] == "node" for b in members)
    fc1 = [b for b in boxes if b["title"] == "layer0.mlp_fc1"]
    assert len(fc1) == 1 and fc1[0]["kind"] == "group" and fc1[0]["nodes"] == 1024
    view.collapse(MLP)
    assert [b["title"] for b in view.fields()["boxes"]].count(MLP) == 1


def test_wires_between_groups_are_merged_and_count_every_edge(position):
    view = microgpt_view(position)
    fields, index = view.fields(), view.steps.index
    between = [(view.box_of[index[c]], view.box_of[index[v]]) for v in view.order for c in v._children
               if view.box_of[index[c]] != view.box_of[index[v]]]
    arrowed = [w for w in fields["wires"] if w["to"] is not None]
    assert len(arrowed) == len(set(between)) and sum(w["count"] for w in arrowed) == len(between)


def test_an_unknown_group_is_named_with_a_suggestion(position):
    with pytest.raises(UsageError, match=r'event.group: no group "layer 0 · MPL".*did you mean "layer 0 · MLP"'):
        microgpt_view(position).expand("layer 0 · MPL")


# ---- the chain rule, step by step ----

def test_each_step_explains_local_times_arriving_equals_passed_with_the_engines_numbers():
    scene = Graph()
    for _ in range(3):
        scene.handle({"type": "backward_step"})
    chain = scene.frame()["chain"]
    node = scene.order[chain["node"]]
    engine = Graph()
    engine.handle({"type": "backward_all"})
    assert chain["done"] and chain["arriving"] == engine.order[chain["node"]].grad
    assert [c["local"] for c in chain["children"]] == list(node._local_grads)
    assert [c["passed"] for c in chain["children"]] == [local * chain["arriving"] for local in node._local_grads]
    assert [c["box"] for c in chain["children"]] == [scene.graph_view.box_of[scene.order.index(c)] for c in node._children]


def test_a_step_takes_one_node_and_the_leaves_whose_turn_follows():
    scene = Graph(expression="c = a * b + a", variables="a = 2, b = 3")   # +, * and the leaves a, b
    focused = []
    while not scene.converged():
        scene.handle({"type": "backward_step"})
        focused.append(scene.order[scene.frame()["chain"]["node"]].op)
    assert focused == ["+", "*"] and scene.variables["a"].grad == 4.0


def test_focus_event_explains_any_node_and_refuses_one_past_the_end():
    scene = Graph()
    scene.handle({"type": "focus", "node": 0})
    assert scene.frame()["chain"]["node"] == 0 and not scene.frame()["chain"]["done"]
    with pytest.raises(UsageError, match="event.node: this graph has nodes 0 to 32, got 33"):
        scene.handle({"type": "focus", "node": 33})


def test_a_step_sends_new_state_and_the_same_layout_objects():
    scene = Graph(source="microgpt")
    before = scene.frame()
    scene.handle({"type": "backward_step"})
    after = scene.frame()
    assert all(after[k] is before[k] for k in ("boxes", "wires", "bounds", "groups"))
    assert after["done"] != before["done"] and after["chain"] is not before["chain"]


# ---- the picture ----

def test_svg_is_the_layout_drawn(tmp_path, position):
    view = microgpt_view(position, "layer 0 · head 2")
    fields = view.fields()
    root = ET.fromstring(draw_svg(fields))
    assert len(root.findall(f"{SVG}g")) == len(fields["boxes"])
    assert len(root.findall(f".//{SVG}path[@class='arrow']")) == sum(w["to"] is not None for w in fields["wires"])
    assert len(root.findall(f".//{SVG}path[@class='wire']")) == len(fields["wires"])
    rects = [g.find(f"{SVG}rect").attrib for g in root.findall(f"{SVG}g")]
    assert [(float(r["x"]), float(r["y"])) for r in rects] == [(b["x"], b["y"]) for b in fields["boxes"]]


def test_microgpt_frame_validates_and_round_trips_json():
    scene = Graph(source="microgpt", name="ada", position=1)
    scene.handle({"type": "expand", "group": MLP})
    scene.handle({"type": "backward_step"})
    frame = json.loads(json.dumps(scene.frame(), allow_nan=False))
    assert Graph.frame_schema.check(frame, "frame") == frame


@pytest.mark.parametrize("settings, message", [
    ({"name": "Emma"}, r"name: character 'E' \(column 1\) is not in microgpt's vocabulary"),
    ({"name": "ada", "position": 4}, r'position: "ada" has positions 0 to 3 \(the last predicts the end\), got 4'),
])
def test_microgpt_settings_that_name_no_position_say_why(settings, message):
    with pytest.raises(UsageError, match=message):
        Graph(source="microgpt", **settings)


def test_the_traced_loss_is_the_models_own(position):
    assert position.root.data == pytest.approx(Graph(source="microgpt").root.data)
    assert position.labels[position.root] == "loss" and isinstance(position.root, Value)
