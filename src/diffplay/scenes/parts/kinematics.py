"""Planar kinematic trees on Tensors: where every segment ends, given turns and lengths.

A segment's heading is its parent's heading plus its own turn; its end is its parent's end
plus length · (cos heading, sin heading). Both are sums along the path from the root — one
linear map, the same for every frame. An arm is the tree whose segment i hangs from i − 1.
Small trees apply it as one matrix product; large ones through their nodes in depth-first
order, where each node's subtree is one run of positions [p, end): its value counts at every
position of the run, so the sums along paths are one running sum of the values added at each
run's start and taken away at its end, and the transposed sums (over each subtree) a difference
of one running sum — a few array operations, whatever the tree's depth, no Python loop per node.
"""

import numpy as np

from ...engine.tensor import Tensor
from ...engine.tensor_ops import fused_op, stack

DENSE_LIMIT = 256   # up to this many segments, the path-sum matrix is small enough to keep


def _scatter_sum(t, slots, size):
    """Σ of t's rows into `size` slots (t[j] summed where slots[j] = i)."""
    if t.ndim == 1:
        return np.bincount(slots, weights=t, minlength=size)
    return np.stack([np.bincount(slots, weights=column, minlength=size) for column in t.T], 1)


@fused_op
def ranged_path_sum(x, runs):
    """Σ of x over each node and its ancestors, by runs (KinematicTree._runs: the depth-first
    order, None if it is 0, 1, …, and each position's subtree end); x is (n,) or (n, k)."""
    order, end = runs
    at = x if order is None else x[order]
    s = np.cumsum(at - _scatter_sum(at, end, len(at) + 1)[:-1], axis=0)   # + at a run's start, − past its end
    return _placed(s, order), lambda g: (_ranged_subtree_sum(g, runs),)


def _ranged_subtree_sum(g, runs):
    """The transpose of ranged_path_sum: Σ of g over each node and its descendants."""
    order, end = runs
    at = g if order is None else g[order]
    s = np.concatenate([np.zeros((1,) + g.shape[1:]), np.cumsum(at, axis=0)])
    return _placed(s[end] - s[:-1], order)


def _placed(by_position, order):
    """Values by depth-first position back in node order."""
    if order is None:
        return by_position
    out = np.empty_like(by_position)
    out[order] = by_position
    return out


class KinematicTree:
    """The path sums and forward kinematics of a tree given by parent indices (-1 = the root)."""

    def __init__(self, parent):
        self.parent = np.asarray(parent, np.intp)
        n = len(self.parent)
        if n and (self.parent >= np.arange(n)).any():
            raise ValueError("KinematicTree: every parent must come before its child")
        if n <= DENSE_LIMIT:
            self.matrix, self.runs = self._path_matrix(), None
        else:
            self.matrix, self.runs = None, self._runs()

    def __len__(self):
        return len(self.parent)

    def _path_matrix(self):
        """M[i, j] = 1 when j is i or one of its ancestors."""
        n = len(self.parent)
        m = np.eye(n)
        for i, p in enumerate(self.parent.tolist()):
            if p >= 0:
                m[i] += m[p]
        return m

    def _runs(self):
        """(order, end): the nodes in depth-first order (children in index order; None when that
        is 0, 1, …, as a turtle's segments are), and per position the end of its subtree's run."""
        n = len(self.parent)
        children = [[] for _ in range(n)]
        size = np.ones(n, np.intp)
        for i in range(n - 1, -1, -1):   # once per tree, not per frame; children before parents
            p = self.parent[i]
            if p >= 0:
                children[p].append(i)
                size[p] += size[i]
        order, stack = [], [i for i in range(n - 1, -1, -1) if self.parent[i] < 0]
        while stack:
            node = stack.pop()
            order.append(node)
            stack.extend(children[node])   # appended last child first: popped first child first
        order = np.array(order, np.intp)
        end = np.arange(n) + size[order]
        return (None if (order == np.arange(n)).all() else order), end

    def path_sum(self, x):
        """Σ of x over each node and its ancestors; x is an array or a Tensor of shape (n,) or
        (n, k), and so is the sum (an array's has no graph)."""
        if self.matrix is not None:
            return (Tensor.wrap(self.matrix) if isinstance(x, Tensor) else self.matrix) @ x
        return ranged_path_sum(x, runs=self.runs)

    def subtree_sum(self, g):
        """Σ of the array g over each node and its descendants: path_sum's transpose, what
        reaches a node from the gradients of every node below it."""
        if self.matrix is not None:
            return self.matrix.T @ g
        return _ranged_subtree_sum(g, self.runs)

    def ends(self, turns, lengths, heading=np.pi / 2):
        """forward() on plain arrays, with no graph: (ends, links, vjp), where vjp(d_ends, d_links)
        gives (d_turns, d_lengths). An energy that calls it ~20 times a frame (lsystem's L-BFGS)
        spends its time on the tree, not on a graph's bookkeeping."""
        headings = self.path_sum(turns) + heading
        cos, sin = np.cos(headings), np.sin(headings)
        links = np.stack([cos, sin], 1) * lengths[:, None]

        def vjp(d_ends, d_links=0.0):
            d_links = self.subtree_sum(d_ends) + d_links
            d_lengths = d_links[:, 0] * cos + d_links[:, 1] * sin
            d_headings = (d_links[:, 1] * cos - d_links[:, 0] * sin) * lengths
            return self.subtree_sum(d_headings), d_lengths

        return self.path_sum(links), links, vjp

    def forward(self, turns, lengths, heading=np.pi / 2):
        """Segment ends (n, 2) and link vectors (n, 2), the root segment starting at (0, 0)."""
        headings = self.path_sum(turns) + heading
        links = stack([headings.cos(), headings.sin()], 1) * lengths.reshape(-1, 1)
        return self.path_sum(links), links

    def reach(self, lengths_lo, lengths_hi):
        """Per segment, the nearest and farthest its end can come to the root, turns being free.

        A path reaches out to Σ hi; it folds back to within max(lo + hi) − Σ hi of the root
        (its longest link, at its shortest, against all the others at their longest).
        """
        lo, hi = np.asarray(lengths_lo, float), np.asarray(lengths_hi, float)
        far = self.path_sum(hi)
        widest = lo + hi
        for i, p in enumerate(self.parent.tolist()):   # once per tree
            if p >= 0:
                widest[i] = max(widest[i], widest[p])
        return np.maximum(0.0, widest - far), far
