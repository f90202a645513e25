#!/usr/bin/env python3
"""Perspective variants of the transcribed documents of ../shared/data/documents/dev.

Each image with transcribed MRZ lines is enlarged 2x (a phone photo has more pixels than these
scans), warped as if photographed at an angle and laid on a brown table 1.5x its size, then saved
as JPEG quality 90. Four views:
  top15      top edge 15 % narrower (camera below the page, tilted up)
  top25      top edge 25 % narrower
  side15     right edge 15 % shorter (camera to the left)
  rot8top15  top15 turned by 8 degrees
Writes OUT/<view>/documents.jsonl (the dev entries with `image` pointing at the warped file) so
that build/doc-eval reads each view like the dev set:
  python3 bench/doc-eval/perspective.py ../shared/data/documents/dev build/perspective
  build/doc-eval build/perspective/top25 ocr
Needs python3-pil and python3-numpy. The views are generated, not photographed: real phone
photos add blur, glare and curved pages on top of the geometry."""
import json
import math
import os
import sys

import numpy as np
from PIL import Image

VIEWS = {
    "top15": dict(top=0.15, side=0.0, turn=0.0),
    "top25": dict(top=0.25, side=0.0, turn=0.0),
    "side15": dict(top=0.0, side=0.15, turn=0.0),
    "rot8top15": dict(top=0.15, side=0.0, turn=8.0),
}


def perspective_coefficients(page, view):
    """PIL's PERSPECTIVE coefficients mapping view points to page points."""
    rows, rhs = [], []
    for (x, y), (u, v) in zip(view, page):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rhs.append(u)
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs.append(v)
    return np.linalg.solve(np.array(rows, float), np.array(rhs, float)).tolist()


def view_corners(w, h, top, side, turn):
    """The page's corners in the view, centred on the origin."""
    corners = [(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)]
    corners = [(x * (1 - top) if y < 0 else x, y * (1 - top / 2)) for x, y in corners]
    corners = [(x, y * (1 - side) if x > 0 else y) for x, y in corners]
    a = math.radians(turn)
    return [(x * math.cos(a) - y * math.sin(a), x * math.sin(a) + y * math.cos(a))
            for x, y in corners]


def warp(page, top, side, turn):
    w, h = page.size
    canvas_w, canvas_h = int(w * 1.5), int(h * 1.5)
    view = [(canvas_w / 2 + x, canvas_h / 2 + y) for x, y in view_corners(w, h, top, side, turn)]
    c = perspective_coefficients([(0, 0), (w, 0), (w, h), (0, h)], view)
    out = Image.new("RGB", (canvas_w, canvas_h), (120, 100, 80))
    warped = page.transform((canvas_w, canvas_h), Image.PERSPECTIVE, c, Image.BICUBIC)
    mask = Image.new("L", (w, h), 255).transform((canvas_w, canvas_h), Image.PERSPECTIVE, c,
                                                 Image.BILINEAR)
    out.paste(warped, (0, 0), mask)
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: perspective.py DEV_DOCUMENTS_DIR OUT_DIR")
    src, out = sys.argv[1], sys.argv[2]
    entries = [json.loads(line) for line in open(os.path.join(src, "documents.jsonl"))]
    entries = [e for e in entries if e.get("mrz_lines")]
    for name, view in VIEWS.items():
        os.makedirs(os.path.join(out, name), exist_ok=True)
        with open(os.path.join(out, name, "documents.jsonl"), "w") as jsonl:
            for e in entries:
                page = Image.open(os.path.join(src, e["image"])).convert("RGB")
                page = page.resize((page.width * 2, page.height * 2), Image.BICUBIC)
                file = os.path.basename(e["image"]).rsplit(".", 1)[0] + ".jpg"
                warp(page, **view).save(os.path.join(out, name, file), quality=90)
                jsonl.write(json.dumps(dict(e, image=file)) + "\n")
        print(f"{name}: {len(entries)} images in {os.path.join(out, name)}")


if __name__ == "__main__":
    main()
