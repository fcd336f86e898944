"""Content and style: objects, facts and rules (TOML and Python front-ends), which make the
same diagram the flat form does; each kind of mistake named with its file:line, the rule
and the objects."""

import numpy as np
import pytest

from diffplay.errors import UsageError
from diffplay.layout import Diagram, examples
from diffplay.layout.spec import load, loads

pytestmark = pytest.mark.filterwarnings("ignore:diffplay.layout")

FLAT = """canvas = { width = 500, height = 400 }

[shapes]
A = { kind = "circle" }
B = { kind = "circle" }
C = { kind = "circle" }
LA = { kind = "text", text = "A" }
LB = { kind = "text", text = "B" }
LC = { kind = "text", text = "C" }

[[constraints]]
contains = ["A", "B"]
pad = 10

[[constraints]]
contains = ["A", "C"]
pad = 10

[[constraints]]
disjoint = ["B", "C"]
pad = 8

[[constraints]]
contains = ["A", "LA"]

[[constraints]]
contains = ["B", "LB"]

[[constraints]]
contains = ["C", "LC"]
"""

RULES = """canvas = { width = 500, height = 400 }
facts = ["IsSubset(B, A)", "IsSubset(C, A)"]

[objects]
Set = ["A", "B", "C"]

[[rules]]
for = "Set x"
shapes = { "{x}" = { kind = "circle" } }

[[rules]]
for = "Set x"
shapes = { "L{x}" = { kind = "text", text = "{x.label}" } }

[[rules]]
for = "Set x, Set y"
where = "IsSubset(x, y)"
constraints = [{ contains = ["{y}", "{x}"], pad = 10 }]

[[rules]]
for = "Set x, y, z"
where = "IsSubset(x, z) and IsSubset(y, z) and x < y"
constraints = [{ disjoint = ["{x}", "{y}"], pad = 8 }]

[[rules]]
for = "Set x"
constraints = [{ contains = ["{x}", "L{x}"] }]
"""


def test_rules_make_the_flat_diagram_and_it_solves_to_the_same_layout():
    (flat, _), (ruled, _) = loads(FLAT), loads(RULES)
    assert list(flat.shapes) == list(ruled.shapes)
    assert [i.label for i in flat.relations] == [i.label for i in ruled.relations]
    for seed in range(2):
        a, b = flat.solve(seed=seed), ruled.solve(seed=seed)
        assert a.feasible and b.feasible
        np.testing.assert_allclose(flat.slots.values, ruled.slots.values, atol=1e-9)


def test_the_python_front_end_makes_the_same_diagram():
    d = Diagram(500, 400)
    d.objects("Set", "A", "B", "C")
    d.fact("IsSubset", "B", "A")
    d.fact("IsSubset", "C", "A")
    d.rule("Set x", then=lambda x: d.circle(x))
    d.rule("Set x", then=lambda x: d.text(f"L{x}", x))
    d.rule("Set x, Set y", "IsSubset(x, y)", then=lambda x, y: d.contains(y, x, pad=10))
    assert d.rule("Set x, y, z", "IsSubset(x, z) and IsSubset(y, z) and x < y",
                  then=lambda x, y, z: d.disjoint(x, y, pad=8)) == 1
    d.rule("Set x", then=lambda x: d.contains(x, f"L{x}"))
    flat, _ = loads(FLAT)
    assert [i.label for i in flat.relations] == [i.label for i in d.relations]
    flat.solve(seed=3), d.solve(seed=3)
    np.testing.assert_allclose(flat.slots.values, d.slots.values, atol=1e-9)


@pytest.mark.parametrize("condition, pairs", [
    ("F(x, y)", [("a", "b"), ("b", "c")]),
    ("not F(x, y)", [("a", "c"), ("b", "a"), ("c", "a"), ("c", "b")]),
    ("F(x, y) or F(y, x)", [("a", "b"), ("b", "a"), ("b", "c"), ("c", "b")]),
    ("x < y and not (F(x, y) and G(y))", [("a", "c"), ("b", "c")]),
    ("x == a", [("a", "b"), ("a", "c")]),
])
def test_a_rule_binds_distinct_objects_where_its_condition_holds(condition, pairs):
    d = Diagram()
    d.objects("T", "a", "b", "c")
    d.fact("F", "a", "b")
    d.fact("F", "b", "c")
    d.fact("G", "b")
    seen = []
    d.rule("T x, T y", condition, then=lambda x, y: seen.append((x, y)))
    assert seen == pairs


SPEC = """canvas = { width = 400, height = 300 }
facts = ["IsSubset(B, A)"]

[objects]
Set = ["A", "B"]

[[rules]]
for = "Set x"
shapes = { "{x}" = { kind = "circle" } }

[[rules]]
for = "Set x, Set y"
where = "IsSubset(x, y)"
constraints = [{ contains = ["{y}", "{x}"], pad = 10 }]
"""


@pytest.mark.parametrize("old, new, message", [
    ('for = "Set x"\n', 'for = "Sett x"\n', 'spec.toml:8: rule "for Sett x": no object has the type "Sett" '
                                            '(did you mean "Set"?)'),
    ('"IsSubset(x, y)"', '"IsSubst(x, y)"', 'spec.toml:13: rule "for Set x, Set y": where names the predicate '
                                            '"IsSubst", which no fact states (did you mean "IsSubset"?)'),
    ('"IsSubset(x, y)"', '"IsSubset(x, w)"', 'spec.toml:13: rule "for Set x, Set y": where names "w", which is '
                                             "neither a variable of the rule (x, y) nor an object"),
    ('["{y}", "{x}"]', '["{y}", "{z}"]', 'spec.toml:14: rule "for Set x, Set y" with x = B, y = A: rule "for Set x, '
                                         'Set y": "{z}" names no variable of the rule (its variables: x, y)'),
    ('["{y}", "{x}"]', '["{y}", "L{x}"]', 'spec.toml:14: rule "for Set x, Set y" with x = B, y = A: contains: '
                                          'argument 2: unknown shape "LB"'),
    ('pad = 10', 'pad = "ten"', 'spec.toml:14: rule "for Set x, Set y" with x = B, y = A: contains: pad must be '
                                "a number, got 'ten'"),
    ('kind = "circle"', 'kind = "circle", r = "{x.size}"', 'spec.toml:9: rule "for Set x" with x = A: rule "for '
                                                           'Set x": object A has no attribute "size"'),
    ('"IsSubset(B, A)"', '"IsSubset(B, Q)"', 'spec.toml:2: IsSubset: unknown object "Q"'),
    ('"IsSubset(B, A)"', '"IsSubset(B A)"', "spec.toml:2: fact: column 12: expected ',', got 'A'"),
    ('Set = ["A", "B"]', 'Set = ["A", "A"]', 'spec.toml:5: there is already an object called "A" (a Set)'),
    ('for = "Set x"\n', 'for = "Set x, Set x"\n', 'spec.toml:8: rule "for Set x, Set x": the variable "x" is '
                                                  'bound twice'),
    ('for = "Set x"\n', 'fro = "Set x"\n', 'spec.toml:7: a rule needs for = "Type x, …"'),
])
def test_a_mistake_in_the_rules_names_file_line_rule_and_objects(old, new, message):
    assert old in SPEC
    with pytest.raises(UsageError) as caught:
        loads(SPEC.replace(old, new, 1))
    assert str(caught.value).startswith(message), str(caught.value)


def test_a_violated_rule_made_constraint_points_at_the_rule_line():
    d, _ = loads(SPEC.replace('shapes = { "{x}" = { kind = "circle" } }', 'shapes = { "{x}" = { kind = "circle", r = 50 } }'))
    result = d.solve()
    assert not result.feasible
    assert [(v.constraint, v.where) for v in result.violations] == [("contains(A, B, pad=10)", "spec.toml:14")]


def test_the_rules_examples_are_shorter_than_and_as_good_as_the_written_out_ones():
    flat, ruled = examples.path("euler").read_text(), examples.path("sets").read_text()
    assert len(ruled.splitlines()) * 3 < len(flat.splitlines())
    d, _ = load(examples.path("sets"))
    assert d.solve(seed=4).converged


def test_cities_put_each_name_nearer_its_own_city_than_any_other():
    d, options = load(examples.path("cities"))
    result = d.solve(seed=2, restarts=options["restarts"])
    assert result.feasible, str(result)
    cities = [name for name in d.substance.of_type("City")]
    for city in cities:
        label = np.array(d.center(d.shapes[f"L{city}"]))
        own = np.linalg.norm(label - d.center(d.shapes[city]))
        assert all(own + 19 < np.linalg.norm(label - d.center(d.shapes[other])) for other in cities if other != city)
