"""The gallery's pictures: each scene drawn by the headless command line, shrunk for its card.

    .venv/bin/python -m diffplay.studio.thumbnails      writes static/thumbs/NAME.png or .svg

Run it again when a scene's picture changes; the files are shipped, not made at run time.
PNGs are fitted into THUMB pixels on white; SVGs (gpt, graph, the layout editor) scale by
themselves and are copied as they are. Each must stay under MAX_BYTES.
"""

import subprocess
import sys
import tempfile
from pathlib import Path


THUMBS = Path(__file__).parent / "static" / "thumbs"
THUMB = (448, 252)      # twice the card's picture, for sharp screens
MAX_BYTES = 30_000
LAYOUT_EXAMPLE = Path(__file__).resolve().parents[1] / "layout" / "examples" / "euler.toml"

# scene: (file suffix, command-line arguments after `diffplay`)
COMMANDS = {
    "boundary": ("png", ["scene", "boundary", "--set", "dataset=xor"]),
    "canvas": ("png", ["scene", "canvas", "--steps", "300"]),
    "gpt": ("svg", ["scene", "gpt", "--set", "steps=300"]),
    "graph": ("svg", ["scene", "graph", "--set", "expression=n = x1*w1 + x2*w2 + b; o = tanh(n)",   # a neuron
                      "--set", "variables=x1 = 2, x2 = 0, w1 = -3, w2 = 1, b = 6.8814"]),
    "ik": ("png", ["scene", "ik", "--set", "obstacle=0.35,0.35,0.12", "--set", "target=0.1,0.75"]),
    "lsystem": ("png", ["scene", "lsystem"]),
    "particles": ("png", ["scene", "particles"]),
    "synth": ("png", ["scene", "synth"]),
    "layout": ("svg", ["layout", str(LAYOUT_EXAMPLE)]),
}


def fit(path, size=THUMB):
    """The picture at `path`, shrunk (never grown) to fit `size`, centred on white."""
    from PIL import Image

    picture = Image.open(path).convert("RGB")
    picture.thumbnail(size, Image.LANCZOS)
    canvas = Image.new("RGB", size, "white")
    canvas.paste(picture, ((size[0] - picture.width) // 2, (size[1] - picture.height) // 2))
    return canvas


def make(name, folder=THUMBS):
    """Draw scene `name` headless and write its thumbnail; returns the file."""
    suffix, arguments = COMMANDS[name]
    with tempfile.TemporaryDirectory() as scratch:
        drawn = Path(scratch) / f"{name}.{suffix}"
        out = ["-o", str(drawn)] if arguments[0] == "layout" else ["--out", str(drawn)]
        subprocess.run([sys.executable, "-m", "diffplay.cli", *arguments, *out], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        target = folder / f"{name}.{suffix}"
        if suffix == "svg":
            target.write_bytes(drawn.read_bytes())
        else:
            image = fit(drawn).quantize(64, dither=0)   # a small palette keeps a card's picture small
            image.save(target, optimize=True)
    if target.stat().st_size > MAX_BYTES:
        raise SystemExit(f"{target}: {target.stat().st_size} bytes, more than {MAX_BYTES}")
    return target


def main():
    THUMBS.mkdir(exist_ok=True)
    for name in COMMANDS:
        target = make(name)
        print(f"{target.relative_to(Path.cwd()) if target.is_relative_to(Path.cwd()) else target}  "
              f"{target.stat().st_size} bytes")


if __name__ == "__main__":
    main()
