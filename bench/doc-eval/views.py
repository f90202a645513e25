#!/usr/bin/env python3
"""Phone-photo views of the transcribed documents of ../shared/data/documents/dev.

Each image with transcribed MRZ lines is enlarged 2x (a phone photo has more pixels than these
scans), then changed one way and saved as JPEG quality 90 (unless the view says otherwise).
Geometry (the page warped as if photographed at an angle, laid on a brown table 1.5x its size):
  top15      top edge 15 % narrower (camera below the page, tilted up)
  top25      top edge 25 % narrower
  side15     right edge 15 % shorter (camera to the left)
  rot8top15  top15 turned by 8 degrees
Light and focus:
  dim        brightness x0.6, then contrast x0.6 (a dim room)
  glare      a bright elliptical spot (+200 at its centre) at 60 % across, 75 % down
  blur1      Gaussian blur, radius 1.2 px (slightly out of focus)
  noise      Gaussian noise, sigma 12 grey levels (a small sensor in poor light), seed 3
  jpeg40     JPEG quality 40
  half       shrunk back to half (the scan's own size, blurred by the round trip)
Writes OUT/<view>/documents.jsonl (the dev entries with `image` pointing at the changed file) so
that build/doc-eval reads each view like the dev set:
  python3 bench/doc-eval/views.py ../shared/data/documents/dev build/views
  build/doc-eval build/views/top25 ocr
Needs python3-pil and python3-numpy. The views are generated, not photographed: real phone
photos combine these and add curved pages, shadows and holograms."""
import json
import math
import os
import sys

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter

GEOMETRY = {
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


def glare(page):
    a = np.asarray(page).astype(float)
    h, w = a.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    spot = np.exp(-(((xx - w * 0.6) / (w * 0.15)) ** 2 + ((yy - h * 0.75) / (h * 0.12)) ** 2))
    return Image.fromarray(np.clip(a + 200 * spot[..., None], 0, 255).astype(np.uint8))


def noise(page, rng):
    a = np.asarray(page).astype(float)
    return Image.fromarray(np.clip(a + rng.normal(0, 12, a.shape), 0, 255).astype(np.uint8))


def dim(page):
    return ImageEnhance.Contrast(ImageEnhance.Brightness(page).enhance(0.6)).enhance(0.6)


def view_of(name, page, rng):
    """The changed page and the JPEG quality to save it with."""
    if name in GEOMETRY:
        return warp(page, **GEOMETRY[name]), 90
    if name == "dim":
        return dim(page), 90
    if name == "glare":
        return glare(page), 90
    if name == "blur1":
        return page.filter(ImageFilter.GaussianBlur(1.2)), 90
    if name == "noise":
        return noise(page, rng), 90
    if name == "jpeg40":
        return page, 40
    if name == "half":
        return page.resize((page.width // 2, page.height // 2), Image.BILINEAR), 90
    raise ValueError(name)


VIEWS = list(GEOMETRY) + ["dim", "glare", "blur1", "noise", "jpeg40", "half"]


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: views.py DEV_DOCUMENTS_DIR OUT_DIR")
    src, out = sys.argv[1], sys.argv[2]
    entries = [json.loads(line) for line in open(os.path.join(src, "documents.jsonl"))]
    entries = [e for e in entries if e.get("mrz_lines")]
    rng = np.random.default_rng(3)
    for name in VIEWS:
        os.makedirs(os.path.join(out, name), exist_ok=True)
        with open(os.path.join(out, name, "documents.jsonl"), "w") as jsonl:
            for e in entries:
                page = Image.open(os.path.join(src, e["image"])).convert("RGB")
                page = page.resize((page.width * 2, page.height * 2), Image.BICUBIC)
                file = os.path.basename(e["image"]).rsplit(".", 1)[0] + ".jpg"
                changed, quality = view_of(name, page, rng)
                changed.save(os.path.join(out, name, file), quality=quality)
                jsonl.write(json.dumps(dict(e, image=file)) + "\n")
        print(f"{name}: {len(entries)} images in {os.path.join(out, name)}")


if __name__ == "__main__":
    main()
