"""Diagrams from declarative constraints (Penrose and Bloom's lineage): shapes, relations, solve, SVG."""

from . import constraints, kernels, objectives, polygons  # noqa: F401  (the relations and their fast paths fill the registry)
from . import examples
from .diagram import Diagram
from .registry import CONSTRAINTS, OBJECTIVES
from .result import Result, Violation

__all__ = ["CONSTRAINTS", "Diagram", "OBJECTIVES", "Result", "Violation", "examples"]
