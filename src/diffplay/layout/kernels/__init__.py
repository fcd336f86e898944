"""Fast paths: hand-differentiated NumPy versions of relations, one module per relation
(or per few relations that share their maths).

A circle packing, a flowchart or a drag frame spends its time in a few families (shapes
apart, inside, touching, on the canvas; fields in range; keep). Written with Tensors each
costs graph nodes per evaluation; here it is a handful of NumPy calls and a closed-form
pullback. A kernel computes exactly what its relation computes (same shape, same numbers;
one value per instance may come as (n,) where the relation gives (n, 1), which spares the
solver a reshape of values and weights at each evaluation), and tests/test_layout_kernels.py holds every registered one equal to its relation on
Tensors and to finite differences.

A kernel declares the relation and argument kinds it serves in its decorator,
`@kernel("disjoint", "circle", "circle")`; a tuple of kinds serves each of them. It is
written over Batches, reading fields by name (`a.r`) and, where one function serves several
kinds, the batch's kind; and it returns (values, pullback), pullback(w) being the gradient
of Σ w·values with respect to each array, argument by argument. The decorator registers it
as a `fused_op` of the arrays themselves (fields in shapes.BATCH_FIELDS order), so every
kernel speaks the engine's convention: `kernel.forward(*arrays, **params) -> (values, vjp)`
for the solver's NumPy path, and one graph node when called on Tensors.

This package imports every module in it, so adding a kernel adds a function here, and a new
file needs no list updated.
"""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
