import fractions
import gc
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from diffplay import Value, gradcheck, graph
from micrograd_readme import readme_expression


def test_micrograd_readme_expression_matches_its_published_numbers():
    a, b = Value(-4.0), Value(2.0)
    g = readme_expression(a, b)
    g.backward()
    assert f"{g.data:.4f}" == "24.7041"
    assert f"{a.grad:.4f}" == "138.8338"
    assert f"{b.grad:.4f}" == "645.5773"


def test_shared_node_gradients_add_up():
    a = Value(3.0)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad == 4.0


def test_backward_twice_accumulates_like_pytorch():
    x = Value(2.0)
    y = x * x * x
    y.backward()
    y.backward()
    assert x.grad == pytest.approx(2 * 12.0)


def test_interior_grad_holds_this_call_only():
    x = Value(2.0)
    h = x * 3
    y = h * h
    y.backward()
    y.backward()
    assert h.grad == pytest.approx(2 * 6.0)   # dy/dh, not doubled
    assert x.grad == pytest.approx(2 * 36.0)


def test_million_node_chain_backpropagates_without_recursion():
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y + 1e-6
    y.backward()
    assert x.grad == 1.0
    assert y.data == pytest.approx(2.0)


def test_finished_graph_is_freed_without_the_cyclic_collector():
    gc.collect()
    gc.disable()
    try:
        x = Value(0.5)
        y = x
        for i in range(2000):
            y = (y * 1.0001 + x).tanh()
        y.backward()
        del y
        assert gc.collect() == 0   # no cycles were left for the collector to find
    finally:
        gc.enable()


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Value(0.0).log(), "log: input must be > 0, got 0.0"),
        (lambda: Value(-2.0).log(), "log: input must be > 0, got -2.0"),
        (lambda: Value(-1.0).sqrt(), "sqrt: input must be >= 0, got -1.0"),
        (lambda: Value(0.0) ** -1, "pow: 0.0 ** -1.0"),
        (lambda: Value(-8.0) ** 0.5, "pow: a negative base"),
        (lambda: Value(1.0) / 0, "div: division by zero"),
        (lambda: Value(1.0) / Value(0.0), "div: division by zero"),
        (lambda: 1.0 / Value(0.0), "div: division by zero"),
        (lambda: Value(-2.0) ** Value(0.5), "pow: with a Value exponent the base must be > 0"),
    ],
)
def test_domain_errors_name_the_operation_and_value(make, message):
    with pytest.raises(ValueError, match=message.replace("*", r"\*")):
        make()


@pytest.mark.parametrize("bad", ["3", None, [1.0], True])
def test_non_numeric_operands_are_type_errors(bad):
    with pytest.raises(TypeError, match="expected a number or a Value"):
        Value(1.0) + bad
    with pytest.raises(TypeError):
        Value(bad)


def test_nan_reaching_backward_names_the_op_where_it_appeared():
    x = Value(0.0)
    y = (x.sqrt() * 2.0).tanh()   # d sqrt at 0 is infinite
    with pytest.raises(FloatingPointError, match="op 'sqrt'"):
        y.backward()


def test_infinite_output_names_the_overflowing_op():
    y = Value(1000.0).exp() * 2
    assert math.isinf(y.data)
    with pytest.raises(FloatingPointError, match="op 'exp'"):
        y.backward()


@pytest.mark.parametrize("x", [-1000.0, -50.0, 0.0, 50.0, 1000.0])
def test_saturating_functions_do_not_overflow(x):
    for name in ("sigmoid", "softplus", "tanh"):
        v = Value(x)
        out = getattr(v, name)()
        out.backward()
        assert math.isfinite(out.data) and math.isfinite(v.grad)
    assert Value(x).softplus().data == pytest.approx(max(x, 0.0) + math.log1p(math.exp(-abs(x))))


def test_comparisons_compare_data_and_identity_stays_hashable():
    a, b = Value(1.0), Value(2.0)
    assert a < b and b > a and a <= 1.0 and b >= 2 and not a > b
    assert len({a, Value(1.0)}) == 2   # distinct nodes, even with equal data
    assert max([a, b]) is b


def test_each_node_records_its_operation():
    x = Value(2.0)
    assert (x + 1).op == "+" and (x * x).op == "*" and x.exp().op == "exp" and (x**2).op == "**"
    assert x.op == ""


def test_graph_lists_nodes_children_first_with_edges():
    a, b = Value(2.0), Value(-3.0)
    out = (a * b).tanh()
    out.backward()
    g = graph(out)
    ops = [n["op"] for n in g["nodes"]]
    assert ops[-1] == "tanh" and ops.count("leaf") == 2 and "*" in ops
    ids = {n["id"] for n in g["nodes"]}
    assert len(g["edges"]) == 3 and all(e["from"] in ids and e["to"] in ids for e in g["edges"])
    assert all(e["from"] < e["to"] for e in g["edges"])
    root = g["nodes"][-1]
    assert root["data"] == pytest.approx(math.tanh(-6.0)) and root["grad"] == 1.0


UNARY = {
    "neg": (lambda v: -v, st.floats(-5, 5)),
    "pow3": (lambda v: v**3, st.floats(-5, 5)),
    "pow-1.5": (lambda v: v**-1.5, st.floats(0.1, 5)),
    "rdiv": (lambda v: 2.0 / v, st.floats(0.1, 5)),
    "rsub": (lambda v: 2.0 - v, st.floats(-5, 5)),
    "rpow": (lambda v: 2.0**v, st.floats(-5, 5)),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_op_gradient_matches_finite_differences(name):
    fn, inputs = UNARY[name]

    @given(inputs)
    def check(x):
        assert gradcheck(lambda v: fn(v), [Value(x)])[0] < 1e-6

    check()


@given(st.floats(-3, 3), st.floats(-3, 3).filter(lambda y: abs(y) > 0.1), st.floats(0.2, 3), st.floats(-2, 2))
def test_binary_op_gradients_match_finite_differences(x, y, base, power):
    for fn in (
        lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a / b,
    ):
        assert max(gradcheck(fn, [Value(x), Value(y)])) < 1e-6
    assert max(gradcheck(lambda a, b: a**b, [Value(base), Value(power)])) < 1e-6


SAFE_UNARY = [Value.tanh, Value.sin, Value.cos, Value.sigmoid, Value.softplus, lambda v: (v * 0.5).exp()]
SAFE_BINARY = [lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a / (b * b + 1.0)]


@st.composite
def expression_trees(draw):
    """A random expression over three leaves: a recipe of (op index, operand indices)."""
    recipe = []
    for _ in range(draw(st.integers(1, 12))):
        if draw(st.booleans()):
            recipe.append(("u", draw(st.integers(0, len(SAFE_UNARY) - 1)), draw(st.integers(0, 50))))
        else:
            recipe.append(("b", draw(st.integers(0, len(SAFE_BINARY) - 1)),
                           draw(st.integers(0, 50)), draw(st.integers(0, 50))))
    return recipe


def evaluate(recipe, leaves):
    nodes = list(leaves)
    for step in recipe:
        if step[0] == "u":
            nodes.append(SAFE_UNARY[step[1]](nodes[step[2] % len(nodes)]))
        else:
            nodes.append(SAFE_BINARY[step[1]](nodes[step[2] % len(nodes)], nodes[step[3] % len(nodes)]))
    return nodes[-1] + 0.0 * nodes[0]   # every leaf stays in the graph


@given(expression_trees(), st.lists(st.floats(-2, 2), min_size=3, max_size=3))
def test_random_expression_trees_match_finite_differences(recipe, xs):
    errors = gradcheck(lambda *leaves: evaluate(recipe, leaves), [Value(x) for x in xs])
    assert max(errors) < 1e-5


def test_finite_gradients_whose_sum_overflows_are_accepted():
    a, b = Value(1e-10), Value(1e-10)
    y = a * 1.5e308 + b * 1.5e308
    y.backward()
    assert a.grad == b.grad == 1.5e308


def test_an_infinite_gradient_among_finite_ones_is_refused():
    a, b = Value(0.0), Value(2.0)
    y = a.sqrt() + b * 3.0   # d sqrt at 0 is infinite
    with pytest.raises(FloatingPointError, match="a gradient is not finite; it first appears at op 'sqrt'"):
        y.backward()


@pytest.mark.parametrize("number", [np.float16(1.5), np.float32(1.5), np.int8(2), np.uint16(3), np.int64(4),
                                    fractions.Fraction(1, 2)])
def test_any_real_number_is_a_constant(number):
    assert (Value(1.0) + number).data == 1.0 + float(number) and Value(number).data == float(number)


@pytest.mark.parametrize("bad, name", [(np.bool_(True), "numpy.bool"), (np.array([1.0]), "numpy.ndarray"),
                                       ("2.0", "str")])
def test_what_is_not_a_real_number_is_refused_by_type(bad, name):
    with pytest.raises(TypeError, match=f"mul: expected a number or a Value, got {name} "):
        Value(1.0) * bad
