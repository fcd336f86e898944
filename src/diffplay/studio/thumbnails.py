"""The gallery's pictures: each scene's `example` drawn by the headless command, shrunk for its card.

    .venv/bin/python -m diffplay.studio.thumbnails [--docs docs/images]

writes static/thumbs/NAME.png or .svg, and with --docs README's full-size pictures too
(docs/images/scene-NAME.*, which the README's commands draw). Run it again when a scene's
picture changes; the files are shipped, not made at run time. PNGs are fitted into THUMB
pixels on white; SVGs scale by themselves and are copied as they are. Each thumbnail must
stay under MAX_BYTES.
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ..scenes import registry

THUMBS = Path(__file__).parent / "static" / "thumbs"
THUMB = (448, 252)      # twice the card's picture, for sharp screens
MAX_BYTES = 30_000


def fit(path, size=THUMB):
    """The picture at `path`, shrunk (never grown) to fit `size`, centred on white."""
    from PIL import Image

    picture = Image.open(path).convert("RGB")
    picture.thumbnail(size, Image.LANCZOS)
    canvas = Image.new("RGB", size, "white")
    canvas.paste(picture, ((size[0] - picture.width) // 2, (size[1] - picture.height) // 2))
    return canvas


def make(name, folder=THUMBS, docs=None):
    """Draw scene `name`'s example headless and write its thumbnail (and its README picture
    into `docs`, when given); returns the thumbnail."""
    example = registry.load(name).example
    suffix = example.format
    with tempfile.TemporaryDirectory() as scratch:
        drawn = Path(scratch) / f"{name}.{suffix}"
        subprocess.run([sys.executable, "-m", "diffplay.cli", *example.arguments(name, drawn)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if docs is not None:
            shutil.copyfile(drawn, Path(docs) / f"scene-{name}.{suffix}")
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
    parser = argparse.ArgumentParser(description="draw the gallery's thumbnails from each scene's example")
    parser.add_argument("--docs", metavar="FOLDER", help="also write README's pictures there (scene-NAME.*)")
    parser.add_argument("names", nargs="*", help="only these scenes (default: all)")
    args = parser.parse_args()
    THUMBS.mkdir(exist_ok=True)
    for name in args.names or registry.names("scenes"):
        target = make(name, docs=args.docs)
        print(f"{target.relative_to(Path.cwd()) if target.is_relative_to(Path.cwd()) else target}  "
              f"{target.stat().st_size} bytes")


if __name__ == "__main__":
    main()
