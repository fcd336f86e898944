"""What a page shows of a Value graph: a box per node, or per named group of nodes, laid out.

    steps = SteppedBackward(topological_order(root))
    view = GraphView(steps, groups=block_of, labels=labels)   # every group starts collapsed
    view.expand("layer 0 · MLP")     # its nodes, laid out in place (other groups stay shut)
    view.fields()                    # the frame's graph fields; unchanged ones are the same objects

A collapsed group is drawn as one box per *part*. Nodes of one group are not always made in
one go (microgpt's attention block makes q, k, v, then the heads run, then it mixes their
outputs), so a single box per group could sit both before and after another: a cycle no
layered drawing can show. A node's part counts the group changes on the longest way up to it
from the leaves (a child in another box adds one); the nodes of a group with one count form
one part. Every edge between boxes then goes from a lower count to a higher one, so the boxes
form a DAG, and a group made in one go stays one box. Edges between two boxes are merged
into one wire with a count. Box sizes are known before the layout (text is monospace), so
wires route around them.
"""

from ...checks import did_you_mean
from ...errors import UsageError
from ..schema import Boolean, Choice, ListOf, Maybe, Number, Record, Text
from .backward_steps import finite
from .graph_layout import lay_out

CHAR_W = 7.2                      # a character of the boxes' 12 px monospace titles
NODE_W, NODE_H = 132, 48          # title, data, grad
GROUP_W, GROUP_H = 170, 50        # title, node count, a bar of how many have had their turn
GOLDEN_ANGLE = 137.508            # hues of successive groups, as far apart as can be

_ID = Number(0, integer=True)
_STEP_CHILD = Record({"node": _ID, "box": _ID, "title": Text(300), "local": Maybe(Number()),
                      "passed": Maybe(Number()), "grad": Maybe(Number())})
# The frame fields a graph page draws as they are (docs/scenes.md, graph).
GRAPH_FIELDS = {
    "boxes": ListOf(Record({
        "x": Number(), "y": Number(), "w": Number(0), "h": Number(0), "kind": Choice("node", "group"),
        "title": Text(300), "sub": Maybe(Text(300)), "nodes": Number(1, integer=True), "data": Maybe(Number()),
        "node": Maybe(_ID), "group": Maybe(Text(300)), "hue": Maybe(Number(0, 360)),
    }), max_length=10**6),
    "wires": ListOf(Record({"points": ListOf(Number(), max_length=10**6), "from": _ID, "to": Maybe(_ID),
                            "count": Number(0, integer=True), "label": Maybe(ListOf(Number(), 2, 2))}),
                    max_length=10**7),
    "bounds": Record({"width": Number(0), "height": Number(0), "root": _ID}),
    "groups": ListOf(Record({"name": Text(300), "expanded": Boolean(), "hue": Number(0, 360)}), max_length=10**4),
    "grads": ListOf(Maybe(Number()), max_length=10**6),
    "done": ListOf(Number(0, integer=True), max_length=10**6),
    "chain": Record({"node": _ID, "box": _ID, "title": Text(300), "group": Maybe(Text(300)), "done": Boolean(), "next": Boolean(),
                     "arriving": Maybe(Number()), "children": ListOf(_STEP_CHILD, max_length=10**6)}),
}


class GraphView:
    def __init__(self, steps, groups=None, labels=None):
        self.steps = steps
        self.order = steps.order
        self.labels = labels or {}
        self.group = [groups.get(v) for v in self.order] if groups else [None] * len(self.order)
        self.names = list(dict.fromkeys(g for g in self.group if g is not None))   # in order of first use
        self.hue = {name: round(k * GOLDEN_ANGLE) % 360 for k, name in enumerate(self.names)}
        self.expanded = set()
        self.version = 0                               # of the layout: what the cached fields below were made for
        self._state = self._chain = (None, None)
        self._lay_out()

    # ---- opening and shutting groups ----

    def expand(self, name):
        self.expanded.add(self._known(name))
        self._lay_out()

    def collapse(self, name):
        self.expanded.discard(self._known(name))
        self._lay_out()

    def _known(self, name):
        if name not in self.hue:
            shown = ", ".join(self.names[:8]) + (", …" if len(self.names) > 8 else "")
            raise UsageError(f'no group "{name}" in this graph (groups: {shown or "none"}){did_you_mean(name, self.names)}',
                             where="event.group")
        return name

    # ---- the frame ----

    def fields(self):
        """boxes, wires, bounds, groups (new after a layout), grads, done (after a step), chain."""
        steps = self.steps
        if self._state[0] != (steps.cursor, self.version):
            self._state = ((steps.cursor, self.version), self._state_fields())
        if self._chain[0] != (steps.cursor, steps.focus, self.version):
            self._chain = ((steps.cursor, steps.focus, self.version), self.chain(steps.focus))
        return {**self.layout, **self._state[1], "chain": self._chain[1]}

    def _state_fields(self):
        """Per box: its node's gradient (null for a group or where not finite), its nodes done."""
        done = [0] * len(self.boxes)
        for i in range(len(self.order) - self.steps.cursor, len(self.order)):
            done[self.box_of[i]] += 1
        grads = [None if box["node"] is None else finite(self.order[box["node"]].grad) for box in self.boxes]
        return {"grads": grads, "done": done}

    def chain(self, i):
        """Node i's step for the page to show beside it: local × arriving = passed on, per child."""
        step = self.steps.explain(i)
        for child in step["children"]:
            child.update(box=self.box_of[child["node"]], title=self.title(child["node"]))
        return {**step, "box": self.box_of[i], "title": self.title(i), "group": self.group[i]}

    def title(self, i):
        node = self.order[i]
        return f"{node.op or 'leaf'} {self.labels.get(node, '')}".strip()

    # ---- the layout ----

    def _lay_out(self):
        self.version += 1
        units, edges = self._units()
        laid = lay_out([self._size(unit) for unit in units], edges)
        self.boxes = [self._box(unit, laid, k) for k, unit in enumerate(units)]
        wires = [{"points": list(w.points), "from": w.source, "to": w.target, "count": w.count,
                  "label": _label_at(w.points) if w.count > 1 else None} for w in laid.wires]
        groups = [{"name": name, "expanded": name in self.expanded, "hue": self.hue[name]} for name in self.names]
        bounds = {"width": round(laid.width, 1), "height": round(laid.height, 1), "root": self.box_of[-1]}
        self.layout = {"boxes": self.boxes, "wires": wires, "bounds": bounds, "groups": groups}

    def _units(self):
        """One unit per node shown alone and per part of a collapsed group; merged edges."""
        shut = [g if g is not None and g not in self.expanded else None for g in self.group]
        index, part, key_of = self.steps.index, [0] * len(self.order), {}
        self.box_of, units = [], []
        for i, node in enumerate(self.order):
            g = shut[i]
            for child in node._children:
                j = index[child]
                part[i] = max(part[i], part[j] + (g is None or shut[j] != g))
            key = (g, part[i]) if g is not None else i
            if key not in key_of:
                key_of[key] = len(units)
                units.append(_Unit(g, part[i], i))
            unit = key_of[key]
            units[unit].nodes += 1
            self.box_of.append(unit)
        _number_parts(units)
        counts = {}
        for i, node in enumerate(self.order):
            for child in node._children:
                pair = (self.box_of[index[child]], self.box_of[i])
                if pair[0] != pair[1]:
                    counts[pair] = counts.get(pair, 0) + 1
        return units, [(a, b, count) for (a, b), count in counts.items()]

    def _size(self, unit):
        if unit.group is None:
            return max(NODE_W, 14 + CHAR_W * len(self.title(unit.first))), NODE_H
        return max(GROUP_W, 40 + CHAR_W * len(unit.group)), GROUP_H

    def _box(self, unit, laid, k):
        place = {"x": round(laid.x[k], 1), "y": round(laid.y[k], 1), "w": round(laid.w[k], 1), "h": laid.h[k]}
        if unit.group is None:
            i = unit.first
            return {**place, "kind": "node", "title": self.title(i), "sub": None, "nodes": 1,
                    "data": finite(self.order[i].data), "node": i, "group": self.group[i],
                    "hue": self.hue.get(self.group[i])}
        sub = f"{unit.nodes} node{'s' * (unit.nodes != 1)}"
        if unit.parts > 1:
            sub = f"part {unit.rank} of {unit.parts} · {sub}"
        return {**place, "kind": "group", "title": unit.group, "sub": sub, "nodes": unit.nodes,
                "data": None, "node": None, "group": unit.group, "hue": self.hue[unit.group]}


def _label_at(points):
    """Where a merged wire writes its count: halfway along its last bend, in the gap above its
    consumer (the middle of the cubic there), where converging wires are still apart."""
    k = len(points) - 4   # the last bend ends at the consumer's row, two points before the end
    while k > 1 and points[k - 1] == points[k + 1]:
        k -= 2
    return [round((points[k - 2] + points[k]) / 2, 1), round((points[k - 1] + points[k + 1]) / 2, 1)]


class _Unit:
    """A box to be: a node shown alone (group None, or its group open) or part of a shut group."""

    def __init__(self, group, part, first):
        self.group, self.part, self.first, self.nodes = group, part, first, 0
        self.rank = self.parts = 1


def _number_parts(units):
    """'part 2 of 3': a group's parts in the order of their counts."""
    parts = {}
    for unit in units:
        if unit.group is not None:
            parts.setdefault(unit.group, []).append(unit)
    for same in parts.values():
        for rank, unit in enumerate(sorted(same, key=lambda u: u.part), 1):
            unit.rank, unit.parts = rank, len(same)
