"""The graph scene: the expression language, stepped backward, events, frames and the picture
(the layout and the view: test_graph_view.py)."""

import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
import torch
from hypothesis import given, strategies as st
from micrograd.engine import Value as MicrogradValue

from diffplay.engine.gradcheck import gradcheck
from diffplay.scenes.parts.expression import MAX_DEPTH, ExpressionError, evaluate, parse
from diffplay.scenes.graph import Graph
from diffplay.scenes.schema import SchemaError
from micrograd_readme import readme_expression


def run(text, variables=""):
    return evaluate(parse(variables, "variables", allow_empty=True), parse(text))


# ---- the figures ----

def test_readme_expression_shows_micrograds_numbers():
    scene = Graph().run()
    summary = scene.summary()
    assert summary["output"] == 24.7041
    assert summary["grads"] == {"a": 138.8338, "b": 645.5773}


def test_readme_expression_matches_micrograd_and_torch_float64():
    scene = Graph().run()
    ma, mb = MicrogradValue(-4.0), MicrogradValue(2.0)
    mg = readme_expression(ma, mb)
    mg.backward()
    ta, tb = (torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in (-4.0, 2.0))
    tg = readme_expression(ta, tb)
    tg.backward()
    a, b = scene.variables["a"], scene.variables["b"]
    assert scene.root.data == pytest.approx(mg.data, rel=1e-12) == pytest.approx(tg.item(), rel=1e-12)
    assert a.grad == pytest.approx(ma.grad, rel=1e-12) == pytest.approx(ta.grad.item(), rel=1e-12)
    assert b.grad == pytest.approx(mb.grad, rel=1e-12) == pytest.approx(tb.grad.item(), rel=1e-12)


def test_reusing_a_variable_adds_its_gradients():
    scene = Graph(expression="a + a", variables="a = 2").run()
    assert scene.root.data == 4.0 and scene.variables["a"].grad == 2.0
    scene = Graph(expression="b = a + a; b + b", variables="a = 2").run()
    assert scene.variables["a"].grad == 4.0


def test_stepped_backward_equals_the_engines_backward():
    stepped = Graph().run()
    engine = Graph()
    engine.handle({"type": "backward_all"})
    assert [v.grad for v in stepped.order] == [v.grad for v in engine.order]
    assert engine.frame()["chain"] == stepped.frame()["chain"]   # the same last step explained


def test_each_stepped_node_has_its_final_gradient_when_its_turn_comes():
    final = Graph()
    final.handle({"type": "backward_all"})
    scene = Graph()
    while not scene.converged():
        scene.handle({"type": "backward_step"})
        frame = scene.frame()
        node = frame["chain"]["node"]
        assert scene.order[node].grad == pytest.approx(final.order[node].grad, rel=1e-12)
        assert frame["chain"]["done"] and frame["done"][scene.graph_view.box_of[node]] == 1
        assert all(v.grad == pytest.approx(final.order[i].grad, rel=1e-12) for i, v in enumerate(scene.order)
                   if scene.backward.done(i))


SAFE_FUNCTIONS = ["tanh", "sigmoid", "sin", "cos", "relu", "abs"]


@st.composite
def expressions(draw, depth=3):
    """Random text in the language over a, b, c; exp/log/sqrt/division guarded to stay in domain."""
    if depth == 0 or draw(st.booleans()):
        return draw(st.sampled_from(["a", "b", "c", "1.5", "0.25"]))
    kind = draw(st.sampled_from(["binary", "call", "method", "neg", "pow", "guarded"]))
    x = draw(expressions(depth - 1))
    if kind == "binary":
        return f"({x} {draw(st.sampled_from(['+', '-', '*']))} {draw(expressions(depth - 1))})"
    if kind == "call":
        return f"{draw(st.sampled_from(SAFE_FUNCTIONS))}({x})"
    if kind == "method":
        return f"({x}).{draw(st.sampled_from(SAFE_FUNCTIONS))}()"
    if kind == "neg":
        return f"-{x}"
    if kind == "pow":
        return f"({x})**{draw(st.sampled_from(['2', '3']))}"
    return draw(st.sampled_from([f"log(1 + ({x})**2)", f"sqrt(2 + sin({x}))", f"1 / (2 + cos({x}))", f"exp(tanh({x}))"]))


@given(expressions(), st.lists(st.floats(-2, 2).filter(lambda x: abs(x) > 0.05), min_size=3, max_size=3))
def test_every_gradient_matches_finite_differences(text, values):
    variables = ", ".join(f"{n} = {v!r}" for n, v in zip("abc", values))
    leaves = list(run("0", variables).variables.values())

    def fn(*inputs):
        return evaluate(parse(variables), parse(text + " + 0*a*b*c"), inputs=dict(zip("abc", inputs))).output

    # relu and abs have kinks: a nudge of 1e-6 must not cross one
    assert max(gradcheck(fn, leaves, eps=1e-6)) < 1e-4


def test_ten_thousand_node_chain_renders_without_recursion(tmp_path):
    scene = Graph(expression="x = 1.0\ny = x" + " + x" * 9999, variables="").run()
    assert len(scene.order) == 10_000 and scene.variables["x"].grad == 10_000.0
    scene.render(tmp_path / "chain.svg")
    root = ET.parse(tmp_path / "chain.svg").getroot()
    assert len(root.findall("{http://www.w3.org/2000/svg}g")) == 10_000
    json.dumps(scene.frame())


def test_ten_thousand_statement_chain_backward_matches_engine():
    text = "x = 0.5\ny = x\n" + "y = y * 0.999 + x\n" * 5000
    stepped = Graph(expression=text, variables="").run()
    engine = Graph(expression=text, variables="")
    engine.handle({"type": "backward_all"})
    assert stepped.variables["x"].grad == pytest.approx(engine.variables["x"].grad, rel=1e-12)


# ---- the language ----

@pytest.mark.parametrize("text, value", [
    ("-2**2", -4.0), ("2**3**2", 512.0), ("2*3+4", 10.0), ("(1+2)*3", 9.0), ("2**-1", 0.5),
    ("8/4/2", 1.0), ("10-4-3", 3.0), ("(0-3).relu()", 0.0), ("abs(-3)", 3.0), ("x = 2\nx *= 5\nx -= 1", 9.0),
    ("1e2 + .5", 100.5), ("# a comment\n3 # another", 3.0),
])
def test_language_follows_pythons_precedence(text, value):
    assert run(text).output.data == value


def test_constants_fold_and_exponents_stay_numbers():
    scene = Graph(expression="a * (2 * 3) + a**2", variables="a = -1.5")
    assert sorted(box["title"].split()[0] for box in scene.frame()["boxes"]) == ["*", "**", "+", "leaf", "leaf"]
    assert scene.root.data == -9.0 + 2.25


def test_labels_name_variables_assignments_and_constants():
    titles = {box["title"] for box in Graph(expression="c = a * 3", variables="a = 2").frame()["boxes"]}
    assert titles == {"leaf a", "leaf 3", "* c"}


@pytest.mark.parametrize("text, message", [
    ("a +", r"column 4: expected a number, a name or '\(', got the end"),
    ("(a", r"column 3: expected '\)', got the end"),
    ("a b", r"column 3: expected an operator or the end of the statement, got 'b'"),
    ("a $ 1", r"column 3: unexpected character '\$'"),
    ("q * 2", r"column 1: unknown name 'q'"),
    ("floor(a)", r"column 1: unknown function 'floor'"),
    ("a.floor()", r"column 3: unknown method 'floor'"),
    ("1 + log(a - 3)", r"column 5: log: input must be > 0, got -1.0"),
    ("a / (a - 2)", r"column 3: div: division by zero"),
    ("exp(a * 1000)", r"column 1: the result is inf"),
    ("exp = 3", r"column 1: 'exp' is a function"),
    ("a + exp", r"column 5: 'exp' is a function: call it as exp\(x\)"),
    ("exp(a, a)", r"column 1: exp\(\) takes one argument, got 2"),
    ("", r"column 1: empty expression"),
    ("a = 1\nb = a +\nc = 2", r"line 2, column 8: expected a number"),
])
def test_malformed_expression_points_at_the_column(text, message):
    with pytest.raises(ExpressionError, match=message):
        run(text, "a = 2")


def test_error_shows_the_line_with_a_caret():
    with pytest.raises(ExpressionError) as error:
        run("a + * 2", "a = 1")
    assert str(error.value).endswith("a + * 2\n      ^")


def test_deep_nesting_is_refused_not_a_recursion_error():
    with pytest.raises(ExpressionError, match=f"nested more than {MAX_DEPTH} levels deep"):
        run("(" * 5000 + "1" + ")" * 5000)
    with pytest.raises(ExpressionError, match="nested more than"):
        run("-" * 5000 + "1")
    with pytest.raises(ExpressionError, match="nested more than"):
        run("2" + "**2" * 5000)


def test_variables_setting_errors_name_the_setting():
    with pytest.raises(ExpressionError, match=r"^variables: column 8: unexpected character '\?'"):
        Graph(variables="a = 1, ?")


# ---- the scene's events and frames ----

def test_frame_validates_and_round_trips_json():
    scene = Graph()
    scene.handle({"type": "backward_step"})
    frame = json.loads(json.dumps(scene.frame()))
    assert Graph.frame_schema.check(frame, "frame") == frame
    assert frame["cursor"] == 1 and frame["grads"][frame["bounds"]["root"]] == 1.0


def test_backward_all_through_an_infinite_derivative_shows_null_like_stepping():
    text, variables = "b = sqrt(a); b + a", "a = 0"   # d sqrt(a)/da is infinite at 0
    stepped = Graph(expression=text, variables=variables).run()
    scene = Graph(expression=text, variables=variables)
    scene.handle({"type": "backward_all"})
    frame = json.loads(json.dumps(scene.frame(), allow_nan=False))
    assert Graph.frame_schema.check(frame, "frame") == frame and frame["cursor"] == 3
    assert frame["grads"] == stepped.frame()["grads"] == [None, 1.0, 1.0]
    assert "not finite (shown as null); it first appears at op 'sqrt'" in frame["message"]
    assert json.loads(json.dumps(stepped.summary(), allow_nan=False))["grads"] == {"a": None}


def test_frame_has_no_message_when_every_gradient_is_finite():
    scene = Graph()
    scene.handle({"type": "backward_all"})
    assert scene.frame()["message"] is None


def test_forward_event_clears_gradients():
    scene = Graph().run()
    scene.handle({"type": "forward"})
    assert scene.frame()["cursor"] == 0 and all(v.grad == 0.0 for v in scene.order)
    assert scene.frame()["chain"]["next"] and scene.frame()["chain"]["box"] == scene.frame()["bounds"]["root"]


def test_bad_expression_event_leaves_the_scene_as_it_was():
    scene = Graph()
    with pytest.raises(ExpressionError, match="column 4"):
        scene.handle({"type": "set", "key": "expression", "value": "a +"})
    assert scene.values["expression"] == Graph().values["expression"] and scene.root.data == Graph().root.data


def test_bad_event_names_the_field():
    with pytest.raises(SchemaError, match=r"event\.value \(expression\): expected a string, got 3"):
        Graph().handle({"type": "set", "key": "expression", "value": 3})
    with pytest.raises(SchemaError, match=r"event\.node: unknown field"):
        Graph().handle({"type": "backward_step", "node": 3})


def test_autoplay_steps_one_node_per_frame():
    scene = Graph(autoplay=True)
    assert scene.step(1.0) == 1 and scene.backward.cursor == 1
    assert Graph().step(1.0) == 0


def test_autoplay_step_takes_a_step_limit_like_every_scene():
    scene = Graph(autoplay=True)
    assert scene.step(1.0, step_limit=0) == 0 and scene.backward.cursor == 0
    assert scene.step(1.0, step_limit=5) == 1 and scene.backward.cursor == 1


# ---- the command line ----

def _diffplay(*args):
    return subprocess.run([sys.executable, "-m", "diffplay.cli", *args], capture_output=True, text=True, timeout=120)


def test_cli_graph_writes_svg_and_json_summary(tmp_path):
    out = tmp_path / "graph.svg"
    result = _diffplay("scene", "graph", "--out", str(out), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.splitlines()[-1])
    assert summary["output"] == 24.7041 and summary["grads"] == {"a": 138.8338, "b": 645.5773}
    assert "grad 138.8338" in out.read_text() and ET.parse(out).getroot().tag.endswith("svg")


def test_cli_bad_expression_exits_2_pointing_at_the_column(tmp_path):
    result = _diffplay("scene", "graph", "--set", "expression=a * (b +", "--out", str(tmp_path / "g.svg"))
    assert result.returncode == 2
    assert "expression: column 9: expected a number" in result.stderr and "Traceback" not in result.stderr


def test_cli_bad_setting_exits_2_naming_it(tmp_path):
    result = _diffplay("scene", "graph", "--set", "autoplay=maybe", "--out", str(tmp_path / "g.svg"))
    assert result.returncode == 2 and "--set autoplay: expected true or false" in result.stderr
    result = _diffplay("scene", "graph", "--set", "expresion=1", "--out", str(tmp_path / "g.svg"))
    assert result.returncode == 2 and 'unknown setting "expresion"' in result.stderr


def test_cli_wrong_picture_format_exits_2(tmp_path):
    result = _diffplay("scene", "graph", "--out", str(tmp_path / "g.png"))
    assert result.returncode == 2 and "scene graph writes .svg files" in result.stderr
