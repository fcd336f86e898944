"""A chapter of the learn section: a scene that teaches, on the same protocol as every scene.

The studio, the command line and notebooks serve it as they serve a scene (settings, events,
frames); the page only draws. What a chapter adds is words: its `number` in the order, a few
short paragraphs of `text` (what is on the page, and something to do), and `about`, the part of
microgpt it explains, named by microgpt's own names and shown from diffplay's line-for-line
port. Every number on its page comes from diffplay's engines, computed in its session process.
"""

import inspect

from ..scenes.base import Scene


class Chapter(Scene):
    section = "learn"
    formats = ()        # chapters are pages to play with; they draw no files of their own
    example = None
    text = ()           # short paragraphs; `code` in backquotes
    about = ""          # the part of microgpt it is about, in microgpt's names
    code = ()           # diffplay functions whose source the page shows beside it

    @classmethod
    def describe(cls):
        return {**super().describe(), "text": list(cls.text), "about": cls.about,
                "code": [source_of(f) for f in cls.code]}


def source_of(function):
    """{"where": "gpt/data.py:72", "lines": [...]}: a function's own source, for the page to show."""
    lines, first = inspect.getsourcelines(function)
    module = inspect.getmodule(function).__name__.removeprefix("diffplay.").replace(".", "/")
    indent = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
    return {"where": f"{module}.py:{first}", "lines": [line[indent:].rstrip("\n") for line in lines]}
