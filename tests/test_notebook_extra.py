"""The core install stays lean: without the notebook extra (anywidget), diffplay and its studio
import and run, a Diagram shows as SVG, and asking for a widget names the extra to install."""

import json
import subprocess
import sys
import textwrap

WITHOUT = "import sys\nsys.modules['anywidget'] = None   # import anywidget fails, as where it is not installed\n"


def python(code, without=True):
    done = subprocess.run([sys.executable, "-c", (WITHOUT if without else "import sys\n") + textwrap.dedent(code)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_without_anywidget_a_diagram_shows_as_svg_and_a_widget_names_the_extra():
    said = python("""
        from diffplay.layout import Diagram
        from diffplay.scenes.ik import IK
        d = Diagram(200, 100)
        d.circle("A", r=20)
        assert d._repr_mimebundle_() is None and "<svg" in d._repr_svg_()
        try:
            IK().widget()
        except ImportError as e:
            print(e)
    """)
    assert said.strip() == "diffplay's notebook widgets need anywidget: pip install 'diffplay[notebook]'"


def test_the_core_and_the_studio_load_nothing_of_a_notebook():
    said = python("""
        import json
        import diffplay.cli, diffplay.studio.server
        from diffplay.scenes import registry
        registry.all_scenes()
        print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("anywidget", "ipywidgets", "traitlets", "ipykernel", "IPython"))))
    """, without=False)   # installed here (the test extra has it), and still not loaded
    assert json.loads(said) == []
