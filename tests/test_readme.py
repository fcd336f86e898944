"""README's Python examples run as written, and their printed comments stay true."""

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def python_blocks():
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_opens_with_the_two_commands():
    first_block = re.search(r"```bash\n(.*?)```", README.read_text(), flags=re.S).group(1)
    assert "diffplay" in first_block and "scripts/test" in first_block


def test_tour_runs_and_prints_what_its_comments_say():
    tour = python_blocks()[0]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(tour, "README.md", "exec"), {})
    printed = [line.split() for line in out.getvalue().splitlines()]
    promised = [c.replace(",", " ").split() for c in re.findall(r"print\(.*\)\s+# (.*)", tour)]
    assert len(printed) == len(promised)
    for got, want in zip(printed, promised):
        for g, w in zip(got, want):
            assert abs(float(g) - float(w)) <= 10 ** -(len(w.split(".")[-1])) , (got, want)
