"""A scene as a live notebook widget (anywidget): its drawing, controls and loss plot in the cell,
its state read and changed from Python while it plays.

    w = Scene("boundary", dataset="spiral")   # the last line of a cell shows it
    w.values, w.frame, w.parameters           # its settings, its latest frame, what it learns
    w.set(lr=0.1); w.pause(); w.run(100)      # change it, stop it, step it headless

The page is the studio's (studio/static, through loader.js); the loop is the studio's too, in a
thread of the kernel (runner.py). Frames go to the page as the widget's custom messages, their
blobs as binary buffers.
"""

import anywidget
import traitlets

from ..scenes import registry
from ..scenes.base import Scene as SceneBase
from ..scenes.layout import DiagramLayout
from ..studio import modules
from .runner import Runner


class SceneWidget(anywidget.AnyWidget):
    """A scene, live in a notebook cell. Everything that touches the scene runs between its
    steps, in its loop's thread: `call(fn)` runs fn(scene) there and returns what it returns."""

    _esm = modules.read("loader.js")
    bundle = traitlets.Dict().tag(sync=True)      # the page's modules (studio/modules.py)
    described = traitlets.Dict().tag(sync=True)   # the scene's describe()
    drawing = traitlets.Unicode("").tag(sync=True)  # its drawing module's path in the bundle; "": fallback.js

    def __init__(self, scene, **kwargs):
        described = scene.describe()
        drawing = modules.drawing(described)
        super().__init__(bundle=modules.bundle("notebook.js", *filter(None, [drawing])), described=described,
                         drawing=drawing or "", **kwargs)
        self.scene = scene
        self.runner = Runner(scene, self._deliver)
        self.on_msg(self._from_page)
        self.runner.start()

    # ---- reading ----

    @property
    def values(self):
        """The scene's settings now, as a dict (a copy)."""
        return self.call(lambda scene: dict(scene.values))

    @property
    def frame(self):
        """What the scene shows now: scene.frame(), made between two steps."""
        return self.call(lambda scene: scene.frame())

    @property
    def parameters(self):
        """The numbers the scene learns, by name, as NumPy arrays (copies)."""
        return self.call(lambda scene: scene.parameters())

    # ---- changing ----

    def set(self, key=None, value=None, **values):
        """Change settings, as the page's controls do: set("lr", 0.1) or set(lr=0.1, batch=20).
        A value the scene refuses raises its SchemaError here, and changes nothing."""
        if key is not None:
            values = {key: value, **values}
        for k, v in values.items():
            self.send_event({"type": "set", "key": k, "value": v})

    def pause(self):
        self.send_event({"type": "pause"})

    def resume(self):
        self.send_event({"type": "resume"})

    def reset(self):
        self.send_event({"type": "reset"})

    def send_event(self, event):
        """Any event the scene knows ({"type": "add_point", "x": 1, "y": 2, "label": 0}), checked as the page's are."""
        self.call(lambda scene: scene.handle(event))

    def run(self, steps):
        """Take `steps` whole steps now, headless (the page sees where they lead); returns the scene."""
        return self.call(lambda scene: scene.run(steps))

    def call(self, fn):
        """fn(scene) between two steps, in the scene's thread; what it returns (or raises)."""
        return self.runner.call(fn)

    def close(self):
        """Stop the scene's loop and close the widget."""
        self.runner.stop()
        super().close()

    # ---- the line to the page ----

    def _deliver(self, text, buffers):
        if self.comm is None or getattr(self.comm, "_closed", False):
            # closed by its host (marimo closes a cell's widgets when the cell runs again): no
            # page will draw again, and a message to a closed model is an error on the page
            return self.runner.stop()
        self.send({"text": text}, buffers)

    def _from_page(self, widget, content, buffers):
        text = content.get("text") if isinstance(content, dict) else None
        self.runner.take(text if isinstance(text, str) else "")   # "": refused as not JSON, as a WebSocket's would be


def Scene(scene, seed=0, **values):
    """A scene's live widget: `scene` is a name ("boundary", or a chapter's), a Scene class, or a
    Scene already made (then give no values); values are its settings."""
    if isinstance(scene, str):
        scene = registry.load(scene)
    if isinstance(scene, type) and issubclass(scene, SceneBase):
        scene = scene(seed=seed, **values)
    elif values:
        raise TypeError("settings go with a scene's name or class, not with a scene already made")
    if not isinstance(scene, SceneBase):
        raise TypeError(f"expected a scene's name, its class or a Scene, got {scene!r}")
    return SceneWidget(scene)


def Diagram(diagram, seed=0, **values):
    """A layout Diagram, live: drag its shapes while it re-solves (a copy; the diagram stays as made)."""
    return SceneWidget(DiagramLayout(diagram, seed=seed, **values))

