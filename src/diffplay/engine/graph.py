"""An expression graph as plain data: the raw material of the computation-graph view."""

from .value import topological_order


def graph(root):
    """{"nodes": [{id, op, data, grad}], "edges": [{"from": child id, "to": parent id}]}.

    Nodes come children-first (ids 0…n-1 in evaluation order), so the root is the last node.
    """
    order = topological_order(root)
    ids = {node: i for i, node in enumerate(order)}
    nodes = [{"id": i, "op": v.op or "leaf", "data": v.data, "grad": v.grad} for i, v in enumerate(order)]
    edges = [{"from": ids[c], "to": ids[v]} for v in order for c in v._children]
    return {"nodes": nodes, "edges": edges}
