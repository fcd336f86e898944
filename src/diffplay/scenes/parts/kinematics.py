"""Planar kinematic trees on Tensors: where every segment ends, given turns and lengths.

A segment's heading is its parent's heading plus its own turn; its end is its parent's end
plus length · (cos heading, sin heading). Both are sums along the path from the root — one
linear map, the same for every frame. An arm is the tree whose segment i hangs from i − 1.
Small trees apply it as one matrix product; large ones by pointer jumping: log₂(depth)
rounds of "add what the node 2ᵏ up holds", each one gather, so no Python loop runs per node.
Jumping is one graph node whose backward runs the rounds transposed: "add what the nodes 2ᵏ
below hold", each one bincount.
"""

import numpy as np

from ...engine.tensor import Tensor
from ...engine.tensor_ops import fused_op, stack

DENSE_LIMIT = 256   # up to this many segments, the path-sum matrix is small enough to keep


def _scatter_sum(t, up):
    """Σ of t's rows over the rows that point at each slot (t[j] summed where up[j] = i)."""
    if t.ndim == 1:
        return np.bincount(up, weights=t, minlength=len(t))
    return np.stack([np.bincount(up, weights=column, minlength=len(t)) for column in t.T], 1)


@fused_op
def jumping_path_sum(x, tables):
    """Σ of x over each node and its ancestors, by pointer jumping over `tables` (see
    KinematicTree._jump_tables); x is (n,) or (n, k)."""
    s = np.concatenate([np.zeros((1,) + x.shape[1:]), x])   # slot 0: the sentinel, 0, its own parent
    for up in tables:
        s = s + s[up]

    return s[1:], lambda g: (_jumping_subtree_sum(g, tables),)


def _jumping_subtree_sum(g, tables):
    """The transpose of jumping_path_sum: Σ of g over each node and its descendants. Each
    round s ← s + s[up] is linear: its transpose is t ← t + (t summed into up)."""
    t = np.concatenate([np.zeros((1,) + g.shape[1:]), g])
    for up in reversed(tables):
        t = t + _scatter_sum(t, up)
    return t[1:]


class KinematicTree:
    """The path sums and forward kinematics of a tree given by parent indices (-1 = the root)."""

    def __init__(self, parent):
        self.parent = np.asarray(parent, np.intp)
        n = len(self.parent)
        if n and (self.parent >= np.arange(n)).any():
            raise ValueError("KinematicTree: every parent must come before its child")
        self.depth = self._depths()
        if n <= DENSE_LIMIT:
            self.matrix, self.jumps = self._path_matrix(), None
        else:
            self.matrix, self.jumps = None, self._jump_tables()

    def __len__(self):
        return len(self.parent)

    def _depths(self):
        depth = np.ones(len(self.parent), np.intp)
        for i, p in enumerate(self.parent.tolist()):   # once per tree, not per frame
            if p >= 0:
                depth[i] = depth[p] + 1
        return depth

    def _path_matrix(self):
        """M[i, j] = 1 when j is i or one of its ancestors."""
        n = len(self.parent)
        m = np.eye(n)
        for i, p in enumerate(self.parent.tolist()):
            if p >= 0:
                m[i] += m[p]
        return m

    def _jump_tables(self):
        """Per round k, the index 2ᵏ up from each node, in an array with slot 0 a zero sentinel."""
        up = np.concatenate([[0], self.parent + 1])   # slot 0 is its own parent
        tables, reach = [], 1
        while reach < self.depth.max():
            tables.append(up)
            up, reach = up[up], reach * 2
        return tables

    def path_sum(self, x):
        """Σ of x over each node and its ancestors; x is a Tensor of shape (n,) or (n, k)."""
        if self.matrix is not None:
            return Tensor.wrap(self.matrix) @ x
        return jumping_path_sum(x, tables=self.jumps)

    def subtree_sum(self, g):
        """Σ of the array g over each node and its descendants: path_sum's transpose, what
        reaches a node from the gradients of every node below it."""
        if self.matrix is not None:
            return self.matrix.T @ g
        return _jumping_subtree_sum(g, self.jumps)

    def ends(self, turns, lengths, heading=np.pi / 2):
        """forward() on plain arrays, with no graph: (ends, links, vjp), where vjp(d_ends, d_links)
        gives (d_turns, d_lengths). An energy that calls it ~20 times a frame (lsystem's L-BFGS)
        spends its time on the tree, not on a graph's bookkeeping."""
        headings = self._array_path_sum(turns) + heading
        cos, sin = np.cos(headings), np.sin(headings)
        links = np.stack([cos, sin], 1) * lengths[:, None]

        def vjp(d_ends, d_links=0.0):
            d_links = self.subtree_sum(d_ends) + d_links
            d_lengths = d_links[:, 0] * cos + d_links[:, 1] * sin
            d_headings = (d_links[:, 1] * cos - d_links[:, 0] * sin) * lengths
            return self.subtree_sum(d_headings), d_lengths

        return self._array_path_sum(links), links, vjp

    def _array_path_sum(self, x):
        return self.matrix @ x if self.matrix is not None else jumping_path_sum(x, tables=self.jumps)

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
        far = self.path_sum(Tensor(hi)).data
        widest = lo + hi
        for i, p in enumerate(self.parent.tolist()):   # once per tree
            if p >= 0:
                widest[i] = max(widest[i], widest[p])
        return np.maximum(0.0, widest - far), far
