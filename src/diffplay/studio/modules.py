"""The studio's page modules for pages that no server serves: a notebook widget and an exported
replay. No build step: `bundle()` reads the modules from static/ as they are, with the files
each one imports, and says where each relative specifier ("../draw.js") leads; loader.js makes
every module a blob URL in the browser, its specifiers rewritten to its imports' blob URLs.
So the studio, a notebook and an exported page run the very same files.
"""

import posixpath
import re
from pathlib import Path

STATIC = Path(__file__).parent / "static"
STYLE = "style.css"

# A static import or re-export from a relative path: `import { a } from "./x.js"`, `export * from
# "../y.js"`, `import "./z.js"`. The house style writes them with double quotes, one a statement.
IMPORT = re.compile(r'^\s*(?:import|export)\b[^"\';]*?\bfrom\s*"(\.\.?/[^"]+)"|^\s*import\s*"(\.\.?/[^"]+)"', re.M)


class ModuleError(Exception):
    """A module that is missing, or imports one that is."""


def bundle(*entries):
    """{"files": {path: text}, "imports": {path: {specifier: path}}}: the entries, every module
    they import (paths under static/, "/"-separated), and the stylesheet."""
    files, imports, todo = {}, {}, list(entries)
    while todo:
        path = todo.pop()
        if path in files:
            continue
        files[path] = read(path)
        imports[path] = {spec: resolve(path, spec) for spec in specifiers(files[path])}
        todo.extend(imports[path].values())
    files[STYLE] = read(STYLE)
    return {"files": files, "imports": imports}


def specifiers(source):
    """The relative specifiers a module's text imports, in order."""
    return [a or b for a, b in IMPORT.findall(source)]


def resolve(importer, specifier):
    """The path under static/ that `specifier`, imported by the module at `importer`, names."""
    path = posixpath.normpath(posixpath.join(posixpath.dirname(importer), specifier))
    if path.startswith("../"):
        raise ModuleError(f"{importer}: {specifier!r} leads out of the studio's static folder")
    return path


def drawing(scene):
    """Where a scene's drawing module is under static/ (SECTION/NAME.js, from its describe()),
    or None: a page then draws it with fallback.js."""
    path = f"{scene['section']}/{scene['name']}.js"
    return path if (STATIC / path).is_file() else None


def read(path):
    try:
        return (STATIC / path).read_text(encoding="utf-8")
    except OSError:
        raise ModuleError(f"{path}: no such file in {STATIC}") from None
