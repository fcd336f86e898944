"""Labelled points from CSV text: `x,y,label` a line (and, optionally, `test` as 0 or 1).

A first line of names (x,y,label[,test]) is taken as a header. Blank lines and lines starting
with # are skipped. Every value is read by the scene's own schemas, so a bad one is refused
naming its file, line and column, as a spec's would be.
"""

import csv
import io

import numpy as np

from ..schema import Boolean, Number, SchemaError

COLUMNS = ("x", "y", "label", "test")


def read_points(text, where, extent, classes, max_points):
    """(xy (n, 2), labels (n,), test (n,) bool or None when no line says) from CSV text."""
    schemas = (Number(-extent, extent), Number(-extent, extent), Number(0, classes - 1, integer=True), Boolean())
    rows, tests = [], []
    for number, fields in enumerate(csv.reader(io.StringIO(text)), 1):
        fields = [f.strip() for f in fields]
        if not fields or not any(fields) or fields[0].startswith("#"):
            continue
        if not rows and not tests and [f.lower() for f in fields] in (list(COLUMNS[:3]), list(COLUMNS)):
            continue   # the header
        if len(fields) not in (3, 4):
            raise SchemaError(f"{where}, line {number}: expected x,y,label or x,y,label,test, got {len(fields)} fields")
        if len(rows) == max_points:
            raise SchemaError(f"{where}, line {number}: at most {max_points} points")
        values = [schema.parse(text_, f"{where}, line {number}, {name}")
                  for schema, text_, name in zip(schemas, fields, COLUMNS)]
        rows.append(values[:3])
        tests.append(values[3] if len(values) == 4 else None)
    if not rows:
        raise SchemaError(f"{where}: no points (lines of x,y,label)")
    if len({t is None for t in tests}) > 1:
        raise SchemaError(f"{where}: give the test column on every line or on none")
    xy = np.array([r[:2] for r in rows], float)
    labels = np.array([r[2] for r in rows], np.intp)
    return xy, labels, None if tests[0] is None else np.array(tests, bool)
