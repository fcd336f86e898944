"""Scenes, learn chapters and layout diagrams as live notebook widgets (JupyterLab, Notebook 7,
VS Code, Colab, marimo), through anywidget: `pip install 'diffplay[notebook]'`.

    from diffplay import widgets
    w = widgets.Scene("boundary", dataset="spiral")   # or scene.widget(); the cell shows it
    w.set(lr=0.1); w.values; w.parameters; w.pause()
    widgets.Diagram(d)                                 # a layout Diagram: drag its shapes
"""

try:
    import anywidget  # noqa: F401
except ImportError as e:   # the core install stays lean: widgets are the notebook extra's
    raise ImportError("diffplay's notebook widgets need anywidget: pip install 'diffplay[notebook]'") from e

from .widget import Diagram, Scene, SceneWidget

__all__ = ["Diagram", "Scene", "SceneWidget"]
