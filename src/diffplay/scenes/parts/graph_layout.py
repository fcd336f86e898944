"""A layered drawing of a DAG, top-down: boxes in rows, wires that run only through empty space.

    laid = lay_out(sizes, edges)     # sizes: [(w, h)] per unit; edges: [(source, consumer, count)]
    laid.x[u], laid.y[u]             # the top-left corner of unit u's box
    laid.wires                       # Wire(points, source, target, count), arrowed at the consumer

Top-down, inputs first: a box's inputs are in rows above it. Boxes are wide and short and
computation graphs are deeper than they are wide (micrograd's README expression is 12 layers
of at most 4 nodes), so stacking layers down the page and spreading each across it fills a
wide stage (about 600 × 1100 px where left-to-right needs 2400 × 260), and the forward pass
reads downwards like the code that built it.

1. Layers: longest path from the inputs, then every unit pulled down to just above its
   nearest consumer (a leaf sits by the op that uses it, not at the top of the page).
2. Long edges: an edge that skips rows gets a slot in every row it passes (Sugiyama's dummy
   nodes), one chain of slots per source shared by all its far consumers, so a variable
   used by ten thousand nodes costs one chain, not ten thousand. Past DUMMY_BUDGET slots in
   all, the remaining sources' chains run in lanes left of the drawing instead.
3. Order within rows: a few barycentre sweeps, down and up (slots included), to untangle.
4. Columns: each row placed as near the mean of its neighbours as the order and the gaps
   allow (least squares, solved exactly by pool-adjacent-violators), in alternating sweeps.
5. Wires: from a box's bottom to the consumer's top, straight through rows (within a slot or
   under the box) and along an S-curve across the empty gap between rows. A wire is a list of
   points; between two points it is the cubic with vertical tangents at both ends, which
   stays between their rows, and a straight line where they share an x or a y. So no wire
   runs behind a box, and the page and the SVG draw the same curves from the same points.
"""

from dataclasses import dataclass

GAP_X = 18          # between neighbouring boxes in a row
SLOT_GAP = 10       # between a long edge's slot and its neighbours
GAP_Y = 34          # between rows: where the wires bend
PAD = 24            # around the drawing
LANE = 14           # between the outside lanes of the long edges past the budget
DUMMY_BUDGET = 20_000
SWEEPS = 4


@dataclass(frozen=True)
class Wire:
    points: tuple        # x0, y0, x1, y1, ...: see the module docstring for the curve between two
    source: int          # the unit it leaves
    target: object       # the unit it enters (arrowed), or None: a trunk its branches leave from
    count: int = 1       # the edges it stands for (merged between collapsed groups)


@dataclass
class Laid:
    x: list
    y: list
    w: list
    h: list
    layer: list
    wires: list
    width: float
    height: float


def lay_out(sizes, edges, slot_budget=DUMMY_BUDGET):
    """Place n = len(sizes) boxes and route the edges (source, consumer, count) between them."""
    n = len(sizes)
    graph = _Graph(n, edges)
    layer = _layers(graph)
    items = _Items(sizes, layer)
    outside = items.add_chains(graph, layer, slot_budget)
    rows = items.rows()
    _order(rows, items)
    cx = _columns(rows, items)
    return _finish(graph, items, rows, cx, layer, outside)


class _Graph:
    """Adjacency of the units, each pair once."""

    def __init__(self, n, edges):
        self.n, self.edges = n, list(edges)
        self.preds, self.succs = [[] for _ in range(n)], [[] for _ in range(n)]
        for u, v, _ in self.edges:
            self.preds[v].append(u)
            self.succs[u].append(v)

    def topological(self):
        """Kahn's order: every unit after its sources."""
        waiting = [len(p) for p in self.preds]
        ready = [v for v in range(self.n) if not waiting[v]]
        order = []
        while ready:
            u = ready.pop()
            order.append(u)
            for v in self.succs[u]:
                waiting[v] -= 1
                if not waiting[v]:
                    ready.append(v)
        if len(order) != self.n:
            raise ValueError("lay_out: the edges have a cycle")
        return order


def _layers(graph):
    """Longest path from the inputs, then each unit just above its nearest consumer."""
    order = graph.topological()
    layer = [0] * graph.n
    for v in order:
        if graph.preds[v]:
            layer[v] = 1 + max(layer[u] for u in graph.preds[v])
    for v in reversed(order):
        if graph.succs[v]:
            layer[v] = min(layer[c] for c in graph.succs[v]) - 1
    return layer


class _Items:
    """The things in the rows: the units' boxes, then the slots of long edges (width 0)."""

    def __init__(self, sizes, layer):
        self.n = len(sizes)
        self.width = [w for w, _ in sizes]
        self.height = [h for _, h in sizes]
        self.layer = list(layer)
        self.up = [[] for _ in sizes]      # the items in the row above that feed it
        self.down = [[] for _ in sizes]    # the items in the row below that it feeds
        self.chain = {}                    # source unit -> its slots, row by row
        self.feed = {}                     # (source, consumer) -> the item in the row above the consumer

    def new_slot(self, row):
        self.width.append(0.0)
        self.height.append(0.0)
        self.layer.append(row)
        self.up.append([])
        self.down.append([])
        return len(self.width) - 1

    def link(self, a, b):
        self.down[a].append(b)
        self.up[b].append(a)

    def add_chains(self, graph, layer, budget):
        """One chain of slots per source with far consumers, shortest first, within the budget;
        returns the sources left over (their wires take the outside lanes)."""
        reach = {u: max(layer[v] for v in graph.succs[u]) for u in range(self.n) if graph.succs[u]}
        far = sorted((u for u in reach if reach[u] > layer[u] + 1), key=lambda u: reach[u] - layer[u])
        spent, outside = 0, []
        for u in far:
            length = reach[u] - layer[u] - 1
            if spent + length > budget:
                outside.append(u)
                continue
            spent += length
            previous, slots = u, []
            for row in range(layer[u] + 1, reach[u]):
                slot = self.new_slot(row)
                self.link(previous, slot)
                slots.append(slot)
                previous = slot
            self.chain[u] = slots
        left = set(outside)
        for u, v, _ in graph.edges:
            if layer[v] == layer[u] + 1:
                self.feed[u, v] = u
            elif u in self.chain:
                self.feed[u, v] = self.chain[u][layer[v] - layer[u] - 2]
            else:
                continue   # an outside lane: no neighbour to be ordered by
            self.link(self.feed[u, v], v)
        return [u for u in far if u in left]

    def rows(self):
        rows = [[] for _ in range(max(self.layer, default=0) + 1)]
        for item, row in enumerate(self.layer):
            rows[row].append(item)
        return rows

    def gap(self, a, b):
        return GAP_X if self.width[a] and self.width[b] else SLOT_GAP


def _order(rows, items):
    """Barycentre sweeps: each row sorted by the mean position of its neighbours in the row
    just placed (down: above; up: below); an item without such neighbours keeps its place."""
    rank = [0] * len(items.layer)
    for row in rows:
        for r, item in enumerate(row):
            rank[item] = r
    for sweep in range(SWEEPS):
        downward = sweep % 2 == 0
        for k in (range(1, len(rows)) if downward else range(len(rows) - 2, -1, -1)):
            side = items.up if downward else items.down
            row = rows[k]
            row.sort(key=lambda i: (sum(rank[j] for j in side[i]) / len(side[i]) if side[i] else rank[i], rank[i]))
            for r, item in enumerate(row):
                rank[item] = r


def _columns(rows, items):
    """Centre x of every item: rows packed, then sweeps pulling each item toward the mean
    centre of its neighbours, keeping the order and the gaps."""
    cx = [0.0] * len(items.layer)
    for row in rows:
        _place(row, [0.0] * len(row), items, cx)
    for sweep in range(SWEEPS + 1):
        both = sweep == SWEEPS   # a last sweep that listens to both sides
        downward = sweep % 2 == 0
        for k in (range(len(rows)) if downward else range(len(rows) - 1, -1, -1)):
            row = rows[k]
            wanted = []
            for i in row:
                near = items.up[i] + items.down[i] if both else items.up[i] if downward else items.down[i]
                wanted.append(sum(cx[j] for j in near) / len(near) if near else cx[i])
            _place(row, wanted, items, cx)
    return cx


def _place(row, wanted, items, cx):
    """Centres as near `wanted` as possible (least squares) with each item at least its gap
    right of the one before: with o the packed offsets, z = centre − o must not decrease;
    pool-adjacent-violators gives the closest such z."""
    offsets, o = [], 0.0
    for k, item in enumerate(row):
        if k:
            before = row[k - 1]
            o += (items.width[before] + items.width[item]) / 2 + items.gap(before, item)
        offsets.append(o)
    blocks = []   # [sum of targets, count]
    for target, offset in zip(wanted, offsets):
        blocks.append([target - offset, 1])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            total, count = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += count
    k = 0
    for total, count in blocks:
        for _ in range(count):
            cx[row[k]] = total / count + offsets[k]
            k += 1


def _finish(graph, items, rows, cx, layer, outside):
    """Shift the drawing to start at PAD, stack the rows, route the wires."""
    lanes = len(outside) * LANE
    left = min((cx[i] - items.width[i] / 2 for i in range(len(cx))), default=0.0)
    shift = PAD + lanes - left
    cx = [c + shift for c in cx]
    top, row_top, row_height = PAD, [], []
    for row in rows:
        height = max(items.height[i] for i in row)
        row_top.append(top)
        row_height.append(height)
        top += height + GAP_Y
    n = items.n
    x = [cx[u] - items.width[u] / 2 for u in range(n)]
    y = [row_top[layer[u]] + (row_height[layer[u]] - items.height[u]) / 2 for u in range(n)]
    geometry = _Geometry(cx, x, y, items, row_top, row_height)
    wires = _Router(graph, items, layer, geometry, outside).wires()
    width = max((x[u] + items.width[u] for u in range(n)), default=0.0) + PAD
    return Laid(x, y, items.width[:n], items.height[:n], list(layer), wires, width, top - GAP_Y + PAD)


@dataclass
class _Geometry:
    cx: list
    x: list
    y: list
    items: _Items
    row_top: list
    row_height: list

    def bottom_of_row(self, row):
        return self.row_top[row] + self.row_height[row]

    def under(self, row):
        """The y halfway across the gap below `row`: where the outside lanes turn."""
        return self.bottom_of_row(row) + GAP_Y / 2


class _Router:
    """Wires: per source, a trunk through its slots (if it has far consumers), then one
    arrowed branch per consumer from the point of the trunk in the row above that consumer."""

    def __init__(self, graph, items, layer, geometry, outside):
        self.graph, self.items, self.layer, self.g = graph, items, layer, geometry
        self.lane = {u: PAD + k * LANE for k, u in enumerate(outside)}   # _finish left room for them

    def wires(self):
        wires, branches = [], {}   # consumer -> [(start points, source, count)]
        for u in range(self.items.n):
            if not self.graph.succs[u]:
                continue
            trunk = self.trunk(u)
            if trunk:
                wires.append(Wire(_flat(trunk), u, None, 0))
        for u, v, count in self.graph.edges:
            branches.setdefault(v, []).append((self.start(u, v), u, count))
        for v, into in branches.items():
            into.sort(key=lambda b: b[0][-1][0])   # ports left to right as the wires arrive: no crossing at the box
            for k, (start, u, count) in enumerate(into):
                port = self.g.x[v] + self.items.width[v] * (k + 1) / (len(into) + 1)
                points = start + [(port, self.g.row_top[self.layer[v]]), (port, self.g.y[v])]
                wires.append(Wire(_flat(points), u, v, count))
        return wires

    def exit(self, u):
        """The bottom centre of u's box and the bottom of its row, straight below."""
        g, row = self.g, self.layer[u]
        bottom = [(g.cx[u], g.y[u] + self.items.height[u])]
        if g.bottom_of_row(row) > bottom[0][1]:
            bottom.append((g.cx[u], g.bottom_of_row(row)))
        return bottom

    def trunk(self, u):
        if u in self.items.chain:
            points = self.exit(u)
            for slot in self.items.chain[u]:
                row = self.items.layer[slot]
                points += [(self.g.cx[slot], self.g.row_top[row]), (self.g.cx[slot], self.g.bottom_of_row(row))]
            return points
        if u in self.lane:
            far = max(self.layer[v] for v in self.graph.succs[u])
            turn = self.g.under(self.layer[u])
            return self.exit(u) + [(self.g.cx[u], turn), (self.lane[u], turn), (self.lane[u], self.g.under(far - 1))]
        return None

    def start(self, u, v):
        """Where the branch from u to v begins: u's exit, a slot's bottom, or its lane."""
        if self.layer[v] == self.layer[u] + 1:
            return self.exit(u)
        if u in self.items.chain:
            slot = self.items.feed[u, v]
            return [(self.g.cx[slot], self.g.bottom_of_row(self.items.layer[slot]))]
        turn = self.g.under(self.layer[v] - 1)
        return [(self.lane[u], turn), (self.g.cx[v], turn)]


def _flat(points):
    flat = []
    for x, y in points:
        flat += (round(x, 1), round(y, 1))
    return tuple(flat)
