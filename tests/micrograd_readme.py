"""micrograd's README example, shared by the tests that check its published numbers."""


def readme_expression(a, b):
    """The README's expression as Python, over any number type with .relu()."""
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return g
