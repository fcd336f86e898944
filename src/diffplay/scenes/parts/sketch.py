"""Line drawings in a scene's own coordinates, saved as PNG (Pillow).

A Sketch maps a world rectangle (y up) onto a picture, draws at three times the size and
shrinks at the end, which smooths the edges Pillow's ImageDraw leaves jagged.
"""

import numpy as np

from .picture import save_png

SUPERSAMPLE = 3


class Sketch:
    """A picture of the world box (x0, y0, x1, y1), `width` pixels wide, y pointing up."""

    def __init__(self, box, width=480, background=(255, 255, 255)):
        from PIL import Image, ImageDraw

        x0, y0, x1, y1 = box
        self.box = box
        self.scale = width * SUPERSAMPLE / (x1 - x0)
        self.size = (width * SUPERSAMPLE, max(1, round((y1 - y0) * self.scale)))
        self.image = Image.new("RGB", self.size, background)
        self.draw = ImageDraw.Draw(self.image)

    def pixels(self, points):
        """World points (n, 2) as picture coordinates."""
        p = np.asarray(points, float).reshape(-1, 2)
        x0, _, _, y1 = self.box
        return np.stack([(p[:, 0] - x0) * self.scale, (y1 - p[:, 1]) * self.scale], 1)

    def lines(self, starts, ends, colour=(40, 40, 40), width=1.5):
        """One straight line from each start to its end."""
        for (a, b), (c, d) in zip(self.pixels(starts).tolist(), self.pixels(ends).tolist()):
            self.draw.line([a, b, c, d], fill=colour, width=max(1, round(width * SUPERSAMPLE)))

    def polyline(self, points, colour=(31, 119, 180), width=1.5):
        flat = self.pixels(points).ravel().tolist()
        if len(flat) >= 4:
            self.draw.line(flat, fill=colour, width=max(1, round(width * SUPERSAMPLE)), joint="curve")

    def circle(self, centre, radius, fill=None, outline=None, width=1.5, pixels=False):
        """A circle of `radius` world units (or picture pixels when `pixels`)."""
        (u, v), = self.pixels(centre).tolist()
        r = radius * SUPERSAMPLE if pixels else radius * self.scale
        self.draw.ellipse([u - r, v - r, u + r, v + r], fill=fill, outline=outline,
                          width=max(1, round(width * SUPERSAMPLE)))

    def text(self, corner, text, colour=(60, 60, 60)):
        """Text whose top-left corner is at `corner` (picture pixels from the top left)."""
        self.draw.text((corner[0] * SUPERSAMPLE, corner[1] * SUPERSAMPLE), text, fill=colour, font=_font())

    def label(self, point, text, colour=(60, 60, 60)):
        """Text centred just below a world point."""
        (u, v), = self.pixels(point).tolist()
        self.draw.text((u, v + 2 * SUPERSAMPLE), text, fill=colour, font=_font(), anchor="mt")

    def picture(self):
        """The finished picture, shrunk to its size: a uint8 (h, w, 3) array."""
        from PIL import Image

        w, h = self.size
        small = self.image.resize((w // SUPERSAMPLE, max(1, h // SUPERSAMPLE)), Image.Resampling.LANCZOS)
        return np.asarray(small)

    def save(self, path):
        save_png(path, self.picture())


def _font():
    from PIL import ImageFont

    return ImageFont.load_default(size=11 * SUPERSAMPLE)


def side_by_side(*pictures):
    """uint8 (h, w, 3) pictures in a row, the shorter ones padded below with white."""
    height = max(len(p) for p in pictures)
    return np.concatenate([np.pad(p, ((0, height - len(p)), (0, 0), (0, 0)), constant_values=255) for p in pictures], 1)
