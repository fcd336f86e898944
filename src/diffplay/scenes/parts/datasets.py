"""Two-dimensional datasets, as TensorFlow Playground defines them: five to classify, two to regress.

Each maker returns (points (n, 2), labels (n,)) on the plane around [-6, 6]², from a seeded
NumPy generator. `noise` is Playground's fraction (its slider's percent / 100). With two
classes each follows Playground's dataset.ts, quirks kept: circle and xor store the clean
point but label it by where the noisy one fell. More classes extend each shape naturally
(rings, quadrants, blobs around a circle, spiral arms, a row of moons).
"""

import numpy as np

RADIUS = 5.0


def circle(n, noise, classes, rng):
    """Concentric rings: class c has radius in the c-th band (two classes: [0, 2.5], [3.5, 5])."""
    band = RADIUS / classes
    c = np.arange(n) * classes // n   # equal shares, in order
    lo = band * c + 0.4 * band * (c > 0)
    r = rng.uniform(lo, band * (c + 1))
    angle = rng.uniform(0, 2 * np.pi, n)
    points = np.stack([r * np.sin(angle), r * np.cos(angle)], 1)
    noisy = points + rng.uniform(-RADIUS, RADIUS, (n, 2)) * noise
    labels = np.minimum(np.hypot(*noisy.T) // band, classes - 1).astype(int)
    return points, labels


def xor(n, noise, classes, rng):
    """Quadrants, padded 0.3 from the axes; class = quadrant index mod classes (2: x·y sign)."""
    points = rng.uniform(-5, 5, (n, 2))
    points += np.where(points > 0, 0.3, -0.3)
    noisy = points + rng.uniform(-5, 5, (n, 2)) * noise
    quadrant = np.where(noisy[:, 0] >= 0, np.where(noisy[:, 1] >= 0, 0, 3), np.where(noisy[:, 1] >= 0, 1, 2))
    return points, quadrant % classes


def gauss(n, noise, classes, rng):
    """Gaussian blobs on a circle of radius 2√2 (two classes: centred at (2, 2) and (-2, -2))."""
    variance = 0.5 + 3.5 * noise / 0.5   # Playground maps noise [0, 0.5] to variance [0.5, 4]
    c = np.arange(n) * classes // n
    angle = np.pi / 4 + 2 * np.pi * c / classes
    centres = 2 * np.sqrt(2) * np.stack([np.cos(angle), np.sin(angle)], 1)
    return centres + rng.normal(0, np.sqrt(variance), (n, 2)), c


def spiral(n, noise, classes, rng):
    """Interleaved spiral arms turning 1.75 times, each arm a class."""
    per = n // classes
    i = np.tile(np.arange(per), classes)
    c = np.repeat(np.arange(classes), per)
    r = i / per * RADIUS
    t = 1.75 * i / per * 2 * np.pi + 2 * np.pi * c / classes
    points = np.stack([r * np.sin(t), r * np.cos(t)], 1) + rng.uniform(-1, 1, (len(i), 2)) * noise
    return points, c


def moons(n, noise, classes, rng):
    """Interlocking half circles (scikit-learn's make_moons), one per class, in a row."""
    c = np.arange(n) * classes // n
    t = rng.uniform(0, np.pi, n)
    x = c + np.cos(t)
    y = np.where(c % 2 == 0, np.sin(t), 0.5 - np.sin(t))
    scale = 9.0 / (classes + 1)   # x spans [-1, classes]: fit it into about [-4.5, 4.5]
    points = np.stack([(x - (classes - 1) / 2) * scale, (y - 0.25) * scale], 1)
    return points + rng.normal(0, 1, (n, 2)) * noise * 2, c


DATASETS = {"circle": circle, "xor": xor, "gauss": gauss, "spiral": spiral, "moons": moons}


# ---- regression: each point's value is a number in [-1, 1] ----

def plane(n, noise, rng):
    """Values rising along x + y: (x + y) / 10 of the noisy point, clipped to [-1, 1]."""
    points = rng.uniform(-6, 6, (n, 2))
    noisy = points + rng.uniform(-6, 6, (n, 2)) * noise
    return points, np.clip(noisy.sum(1) / 10, -1, 1)


GAUSSIANS = [(-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1)]


def gaussians(n, noise, rng):
    """Six bumps of alternating sign: a point's value is the strongest bump's there, its sign
    times 1 − distance / 2 (0 past 2 units)."""
    points = rng.uniform(-6, 6, (n, 2))
    noisy = points + rng.uniform(-6, 6, (n, 2)) * noise
    bumps = np.array([sign * np.clip(1 - np.hypot(noisy[:, 0] - x, noisy[:, 1] - y) / 2, 0, 1)
                      for x, y, sign in GAUSSIANS])
    return points, bumps[np.abs(bumps).argmax(0), np.arange(n)]


REGRESSIONS = {"plane": plane, "gaussians": gaussians}


def make(name, n, noise, classes, rng):
    """(points, labels) of dataset `name` (values in [-1, 1] for a regression), shuffled (as
    Playground shuffles before its split)."""
    points, labels = REGRESSIONS[name](n, noise, rng) if name in REGRESSIONS else DATASETS[name](n, noise, classes, rng)
    order = rng.permutation(len(points))
    return points[order], labels[order]
