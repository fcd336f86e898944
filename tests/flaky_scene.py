"""A scene that fails on demand, for the tests of the loop's recovery (a studio session's
process, tests/test_studio_recovery.py, and a notebook widget's thread, tests/test_widgets.py)."""

import time

from diffplay.scenes.base import Scene, Setting
from diffplay.scenes.schema import Choice


class Flaky(Scene):
    """A counter that fails where it is told to: in its step, in its frame, or by being slow."""

    name = "flaky"
    settings = (Setting("fail", Choice("no", "step", "frame", "slowly"), "no", "where to fail", live=True),)
    example = None
    budget_s = 0.002
    steps_per_frame = 1

    def build(self):
        self.count = 0

    def advance(self):
        if self.values["fail"] == "step":
            self.count = -1   # half changed, then
            raise ZeroDivisionError("division by zero")
        self.count += 1

    def view(self):
        if self.values["fail"] == "frame":
            raise IndexError("index 1 is out of bounds for axis 0 with size 1")
        if self.values["fail"] == "slowly":
            time.sleep(2)
        return {"count": self.count}
