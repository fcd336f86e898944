"""Diagram specs in TOML: canvas, shapes, constraints, objectives; errors name file:line.

    [canvas]
    width = 600
    height = 400

    [shapes]
    A  = { kind = "circle", r = 120, free = ["r"] }
    B  = { kind = "circle" }
    LA = { kind = "text", text = "A", size = 18 }

    [[constraints]]
    contains = ["A", "B"]        # the first key names the relation, its value lists the arguments
    pad = 10                     # the other keys are its parameters

    [[objectives]]
    near = ["LA", "A"]

Relations may also be written as inline tables, `constraints = [{ disjoint = ["A", "B"] }]`,
at the top of the file. An argument is a shape ("A"), a field ("A.r"), a number, or an expression
("distance(A, B) / 2"); a relation may be `soft = weight` and join at a `stage`.
An optional [solve] table sets seed, restarts, tolerance and stages. [variables] and [let]
name free numbers and computed values (lifted.py); [objects], facts and [[rules]] say what
the diagram is about and how each kind of thing is drawn (spec_rules.py).
"""

from pathlib import Path

from ..checks import MAX_SEED, check_integer, did_you_mean, is_number
from .diagram import Diagram
from .diagram_shapes import FONT_SIZE
from .locate import line_of, toml_lines
from .registry import CONSTRAINTS, OBJECTIVES, REQUIRED
from .spec_rules import define_fields, rule_relations, rule_shapes, split_expressions
from .spec_values import let, variables
from .shapes import ALIASES, FIELDS, KINDS
from ..errors import UsageError
from ..files import read_text
from ..parsing import load_toml

SECTIONS = ("canvas", "shapes", "constraints", "objectives", "solve", "variables", "let", "objects", "facts",
            "rules")
SOLVE = ("seed", "restarts", "tolerance", "stages")
STYLE = ("fill", "stroke", "stroke_width", "stroke_dasharray", "opacity", "fill_opacity", "stroke_opacity",
         "font_family", "font_weight", "font_style")
OPTIONS = {   # per kind, the keys besides its numeric fields
    "point": (), "circle": ("text", "size"), "ellipse": ("text", "size"),
    "rect": ("text", "size", "rotated"), "text": ("text", "size", "font"),
    "segment": ("from", "to", "heads"), "arrow": ("from", "to", "heads"),
    "polyline": ("points", "heads"), "polygon": ("points",), "group": ("members", "pad"),
    "curve": ("points", "heads"), "arc": ("heads",), "curved_arrow": ("from", "to", "heads"),
    "image": ("href",), "math": ("tex", "size"),
}
MEASURED = ("text", "math")   # kinds whose box comes from what they show: only x and y are given
COMMON = ("kind", "free", "on_canvas") + STYLE


class _Source:
    """The file's name and line table, to turn a key path into "file:line"."""

    def __init__(self, text, name, files=True):
        self.name, self.lines, self.files = name, toml_lines(text), files

    def at(self, *path):
        return f"{self.name}:{line_of(self.lines, path)}"


def loads(text, name="spec.toml", files=True):
    """(Diagram, solve options) from the text of a spec; UsageError names file:line on mistakes.
    `files=False` (a spec a web page sent) refuses any file it names: a picture, a font."""
    data = load_toml(text, name)   # bounded: digits, a number's length, depth
    src = _Source(text, name, files)
    for key in data:
        if key not in SECTIONS:
            raise UsageError(f'unknown section "{key}"{did_you_mean(key, SECTIONS)} (a spec has: {", ".join(SECTIONS)})',
                             where=src.at(key))
    diagram = _canvas(_table(data, "canvas", src), _table(data, "solve", src), src)
    shapes = _table(data, "shapes", src)
    for table in ("canvas", "shapes", "solve", "variables", "let", "objects"):
        for key in ("constraints", "objectives", "facts"):
            if isinstance(data.get(table), dict) and key in data[table]:
                raise UsageError(f"{key} landed inside [{table}]: TOML puts every key after a [table] header "
                                 f"into that table; move `{key} = [...]` above the first header, or write "
                                 f"[[{key}]] tables", where=src.at(table, key))
    variables(diagram, _table(data, "variables", src), src)
    pending = []   # shape fields given as expressions, defined once every shape exists
    ruled = rule_shapes(diagram, data, src, _shape, pending)   # the rules' shapes first: the spec's may name them
    for name, spec in shapes.items():
        _shape(diagram, name, split_expressions(name, spec, src, pending, ("shapes", name)), src)
    define_fields(diagram, pending)
    let(diagram, _table(data, "let", src), src)
    rule_relations(diagram, ruled, _relations)
    _relations(diagram, data, src)
    return diagram, _solve_options(data.get("solve", {}), src)


def load(path):
    """(Diagram, solve options) from a spec file (UTF-8, a BOM allowed)."""
    return loads(read_text(path, str(path)), str(path))


def _table(data, key, src):
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise UsageError(f"{key} must be a table", where=src.at(key))
    return value


def _number(value, src, *path, positive=False):
    if not is_number(value) or (positive and value <= 0):
        what = "a positive number" if positive else "a number"
        raise UsageError(f"{'.'.join(map(str, path))} must be {what}, got {value!r}", where=src.at(*path))
    return value


def _boolean(value, src, *path):
    """true or false, and nothing else ("false" would read as true)."""
    if not isinstance(value, bool):
        raise UsageError(f"{'.'.join(map(str, path))} must be true or false, got {value!r}", where=src.at(*path))
    return value


def _canvas(canvas, solve, src):
    known = ("width", "height", "left", "top", "background")
    for key in canvas:
        if key not in known:
            raise UsageError(f'canvas: unknown key "{key}"{did_you_mean(key, known)}', where=src.at("canvas", key))
    sizes = {k: _number(canvas.get(k, d), src, "canvas", k, positive=k in ("width", "height"))
             for k, d in (("width", 600), ("height", 400), ("left", 0), ("top", 0))}
    tolerance = _number(solve.get("tolerance", 1e-3), src, "solve", "tolerance", positive=True)
    stages = solve.get("stages", [])
    if not isinstance(stages, list) or not all(isinstance(s, str) and s for s in stages) or len(set(stages)) < len(stages):
        raise UsageError(f"solve.stages must list distinct stage names, got {stages!r}", where=src.at("solve", "stages"))
    return Diagram(sizes["width"], sizes["height"], left=sizes["left"], top=sizes["top"], tolerance=tolerance,
                   background=str(canvas.get("background", "white")), stages=stages)


def _solve_options(solve, src):
    for key in solve:
        if key not in SOLVE:
            raise UsageError(f'solve: unknown key "{key}"{did_you_mean(key, SOLVE)}', where=src.at("solve", key))
    bounds = {"seed": (0, MAX_SEED), "restarts": (1, None)}
    return {key: check_integer(solve[key], f"{src.at('solve', key)}: solve.{key}", *bounds[key])
            for key in bounds if key in solve}


def _shape(diagram, name, spec, src):
    where = src.at("shapes", name)
    if not isinstance(spec, dict):
        raise UsageError(f'shape "{name}" must be a table such as {{ kind = "circle" }}', where=where)
    if "kind" not in spec:
        raise UsageError(f'shape "{name}" needs a kind (one of {", ".join(KINDS)})', where=where)
    kind = ALIASES.get(spec["kind"], spec["kind"]) if isinstance(spec["kind"], str) else None
    if kind not in KINDS:
        raise UsageError(f'shape "{name}": unknown kind "{spec["kind"]}"{did_you_mean(spec["kind"], KINDS)}',
                         where=src.at("shapes", name, "kind"))
    fields = ("x", "y") if kind in MEASURED else FIELDS[kind]
    allowed = fields + OPTIONS[kind] + COMMON
    for key, value in spec.items():
        if key not in allowed:
            raise UsageError(f'{kind} "{name}": unknown key "{key}"{did_you_mean(key, allowed)}',
                             where=src.at("shapes", name, key))
        if key in fields:
            _number(value, src, "shapes", name, key)
    options = {"where": where, "on_canvas": _boolean(spec.get("on_canvas", True), src, "shapes", name, "on_canvas"),
               **{k: spec[k] for k in STYLE if k in spec}}
    free = spec.get("free", False)
    if not isinstance(free, bool) and not (isinstance(free, list) and all(isinstance(f, str) for f in free)):
        raise UsageError(f'{kind} "{name}": free must be true, false or a list of field names, got {free!r}',
                         where=src.at("shapes", name, "free"))
    values = {k: spec[k] for k in fields if k in spec}
    if "heads" in spec:
        options["heads"] = spec["heads"]
    if kind in ("point", "circle", "ellipse", "rect", "arc"):
        extra = {k: spec[k] for k in ("text", "size", "rotated") if k in spec}
        return getattr(diagram, kind)(name, **values, free=free, **extra, **options)
    if kind == "text":
        if "text" not in spec:
            raise UsageError(f'text "{name}" needs its text = "…"', where=where)
        font = spec.get("font")
        font = _file(font, src, "shapes", name, "font") if font not in (None, False) else font
        return diagram.text(name, spec["text"], **values, size=spec.get("size", FONT_SIZE), font=font, free=free,
                            **options)
    if kind in ("math", "image"):
        key = {"math": "tex", "image": "href"}[kind]
        if not isinstance(spec.get(key), str):
            raise UsageError(f'{kind} "{name}" needs its {key} = "…" (a string)', where=where)
        if kind == "image":
            return diagram.image(name, _file(spec["href"], src, "shapes", name, "href"), **values, free=free,
                                 **{**options, "where": src.at("shapes", name, "href")})
        return diagram.math(name, spec["tex"], **values, size=spec.get("size", FONT_SIZE), free=free, **options)
    if kind in ("segment", "arrow", "curved_arrow"):
        ends = [_point(diagram, spec.get(k), src, "shapes", name, k) for k in ("from", "to")]
        if kind == "curved_arrow":
            return diagram.curved_arrow(name, *ends, **values, free=free, **options)
        return diagram.segment(name, *ends, free=free, kind=kind, **options)
    if kind == "group":
        members = [_point(diagram, m, src, "shapes", name, "members", i) for i, m in enumerate(spec.get("members", []))]
        pad = _number(spec.get("pad", 0.0), src, "shapes", name, "pad")
        return diagram.group(name, members, pad=pad, **options)
    points = spec.get("points")
    if isinstance(points, list):
        points = [_point(diagram, p, src, "shapes", name, "points", i) for i, p in enumerate(points)]
    if kind == "curve":
        return diagram.curve(name, points, free=free, **options)
    return diagram.polyline(name, points, free=free, kind=kind, **options)


def _file(value, src, *path):
    """A file named in the spec: a string, relative to the spec's folder."""
    if not isinstance(value, str) or not value:
        raise UsageError(f"{'.'.join(map(str, path))} must be a file name, got {value!r}", where=src.at(*path))
    if not src.files:
        raise UsageError(f"{'.'.join(map(str, path))}: a spec opened in a page may not name a file on this machine; "
                         "draw it with `diffplay layout FILE` or `diffplay scene layout --set file=FILE`", where=src.at(*path))
    return Path(src.name).parent / Path(value).expanduser()


def _point(diagram, value, src, *path):
    """A shape name (checked), an [x, y] pair, or None."""
    if value is None:
        return None
    if isinstance(value, str):
        return diagram._reference(value, ".".join(map(str, path)), src.at(*path))
    if isinstance(value, list) and len(value) == 2 and all(is_number(v) for v in value):
        return tuple(value)
    raise UsageError(f"{'.'.join(map(str, path))} must be a shape name or [x, y], got {value!r}", where=src.at(*path))


def _relations(diagram, data, src):
    """The constraints and objectives listed in `data` (the spec, or a rule's body)."""
    for section, table in (("constraints", CONSTRAINTS), ("objectives", OBJECTIVES)):
        entries = data.get(section, [])
        if not isinstance(entries, list):
            raise UsageError(f"{section} must be a list of relations ([[{section}]] tables)", where=src.at(section))
        for i, entry in enumerate(entries):
            _relation(diagram, section, table, i, entry, src)


def _relation(diagram, section, table, i, entry, src):
    if not isinstance(entry, dict) or not entry:
        raise UsageError(f"each of {section} needs the relation's name as its first key, e.g. "
                         '{ disjoint = ["A", "B"] }', where=src.at(section, i))
    name, args = next(iter(entry.items()))
    kind = section[:-1]
    if name not in table:
        where = src.at(section, i, name)
        other = "objectives" if table is CONSTRAINTS else "constraints"
        if name in (OBJECTIVES if table is CONSTRAINTS else CONSTRAINTS):
            raise UsageError(f'"{name}" is not {"an" if kind == "objective" else "a"} {kind}: list it under {other}',
                             where=where)
        raise UsageError(f'unknown {kind} "{name}"{did_you_mean(name, table)}', where=where)
    relation = table[name]
    args = [args] if isinstance(args, str) else args
    if not isinstance(args, list):
        raise UsageError(f"{name}: its value must list the arguments, e.g. {name} = [\"A\", \"B\"]",
                         where=src.at(section, i, name))
    for j, arg in enumerate(args):
        if isinstance(arg, str):
            diagram._reference(arg, f"{name}: argument {j + 1}", src.at(section, i, name, j))
        elif not is_number(arg):
            raise UsageError(f"{name}: argument {j + 1} must be a shape, a field or a number, got {arg!r}",
                             where=src.at(section, i, name, j))
    params = dict(list(entry.items())[1:])
    options = {k: params.pop(k) for k in ("soft", "stage") if k in params}
    for key, value in params.items():
        if key not in relation.params:
            raise UsageError(f'{name}: unknown parameter "{key}"{did_you_mean(key, relation.params)} '
                             f"(it takes: {relation.usage()})", where=src.at(section, i, key))
        default = relation.params[key]
        if (default is REQUIRED or not isinstance(default, str)) and not is_number(value):
            raise UsageError(f"{name}: {key} must be a number, got {value!r}", where=src.at(section, i, key))
    for key, value in options.items():
        if (key == "stage") != isinstance(value, str) or isinstance(value, bool):
            raise UsageError(f"{name}: {key} must be {'a stage name' if key == 'stage' else 'a number'}, got {value!r}",
                             where=src.at(section, i, key))
    diagram.add(name, *args, where=src.at(section, i, name), **params, **options)
