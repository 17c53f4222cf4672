"""build/macos/gp_guard.icns from resources/icons/gp_guard.svg (rsvg-convert, then Pillow's ICNS writer)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import BUILD, ICON_SVG, render_png  # noqa: E402
from PIL import Image  # noqa: E402

out = BUILD / "macos"
render_png(ICON_SVG, 1024, out / "icon-1024.png")
Image.open(out / "icon-1024.png").save(out / "gp_guard.icns")
print(out / "gp_guard.icns")
