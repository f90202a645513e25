#!/usr/bin/env python3
"""Simulated screen recaptures: document images shown on a display and photographed.

For OkayDoc's screen check (docs/okaydoc.md "Screen recapture"). Nobody has photographed real
documents off real screens for ekycd, so this draws what the physics says such a photo holds:

  display  the document fills `display_px` display pixels across; each display pixel is drawn
           at 6 x 6 sub-samples as its light-emitting parts on a black matrix: either an RGB
           stripe LCD (three vertical stripes, red left) or a diamond OLED (red and blue on
           alternate pixels, green on every pixel between them), fill factor 0.55-0.9, black
           level 1-4 %, white point slightly blue;
  camera   the display seen at `camera_per_display` camera pixels per display pixel (0.55-3:
           below 1 the sensor undersamples the grid and moire appears), turned by up to
           +-12 degrees, top edge up to 12 % narrower (perspective); the lens and the pixel's
           area as a Gaussian blur of 0.35-0.7 camera pixels before sampling; the sensor's
           colour filters mix the display's primaries (10-20 % crosstalk); an RGGB Bayer mosaic
           demosaiced bilinearly; sensor noise 1-4 grey levels; gamma; JPEG quality 70-95;
  frame    the screen's dark bezel and a grey-brown room around it.

Writes OUT/*.jpg and OUT/truth.tsv (`file label source parameters`): every source image as it
is (label genuine, path to the original) and its recapture (label screen). Sources: the images
of a documents dir with documents.jsonl (../shared/data/documents/dev) and every *.jpg / *.png
of any other dirs given (e.g. synthetic MyKad photos from build/mykad-gen --photo).
  python3 bench/doc-eval/recapture.py SEED OUT SOURCE_DIR...
Needs python3-pil and python3-numpy. A simulation: real screens (other subpixel layouts,
PWM flicker, reflections, anti-glare coatings) and real phone pipelines (sharpening, noise
reduction, HDR) will differ; docs/accuracy.md says how far this goes."""
import json
import math
import os
import sys

import numpy as np
from PIL import Image, ImageFilter

from views import perspective_coefficients  # (page points, view points): PIL's coefficients

SUB = 6  # sub-samples per display pixel, each way


def source_images(dirs):
    """(path, name) of every source image."""
    out = []
    for d in dirs:
        jsonl = os.path.join(d, "documents.jsonl")
        if os.path.exists(jsonl):
            for line in open(jsonl):
                e = json.loads(line)
                out.append((os.path.join(d, e["image"]), os.path.basename(e["image"])))
        else:
            for f in sorted(os.listdir(d)):
                if f.lower().endswith((".jpg", ".jpeg", ".png")):
                    out.append((os.path.join(d, f), os.path.basename(d.rstrip("/")) + "_" + f))
    return out


def subpixel_masks(layout, fill):
    """Per channel, the emission mask of one period of the display's pixel pattern at SUB
    sub-samples per display pixel: 1 x 1 pixel for the stripe LCD, 2 x 2 for the diamond."""
    if layout == "stripe":
        m = np.zeros((3, SUB, SUB), np.float32)
        margin = max(1, int(round(SUB * (1 - fill) / 2)))
        third = SUB // 3
        for c in range(3):
            m[c, margin:SUB - margin, c * third:(c + 1) * third] = 1.0
        return m
    # diamond: red and blue squares on alternate pixels (a checkerboard), a smaller green one
    # at every pixel's corner between them
    m = np.zeros((3, 2 * SUB, 2 * SUB), np.float32)
    side = max(2, int(round(SUB * fill)))
    lo = (SUB - side) // 2
    for py, px, c in ((0, 0, 0), (1, 1, 0), (0, 1, 2), (1, 0, 2)):
        m[c, py * SUB + lo:py * SUB + lo + side, px * SUB + lo:px * SUB + lo + side] = 1.0
    g = max(1, side // 2)
    for py in range(2):
        for px in range(2):
            y0, x0 = py * SUB + SUB - g // 2, px * SUB + SUB - g // 2
            ys = [(y0 + i) % (2 * SUB) for i in range(g)]
            xs = [(x0 + i) % (2 * SUB) for i in range(g)]
            m[1][np.ix_(ys, xs)] = 1.0
    return m


def display_emission(doc, display_px, layout, fill, black, rng):
    """The display's light, SUB samples per display pixel, as float32 H x W x 3 in 0..1."""
    masks = subpixel_masks(layout, fill)
    per = masks.shape[1] // SUB  # display pixels one period spans
    w = display_px - display_px % per
    h = max(8, int(round(doc.height * w / doc.width)))
    h -= h % per
    pix = np.asarray(doc.convert("RGB").resize((w, h), Image.LANCZOS), np.float32) / 255.0
    pix = pix ** 2.2  # light, not code values
    white = np.array([0.95, 0.98, 1.0], np.float32) * rng.uniform(0.85, 1.0)
    pix = black + (1 - black) * pix * white
    big = np.repeat(np.repeat(pix, SUB, axis=0), SUB, axis=1)
    # each primary's emitters scaled so that white averages to white (the panel's own balance)
    masks /= np.maximum(1e-6, masks.mean(axis=(1, 2)))[:, None, None]
    big *= np.tile(masks.transpose(1, 2, 0), (h // per, w // per, 1))
    return big


def gaussian_blur(plane, sigma):
    """plane blurred by a Gaussian of sigma samples (separable, edges repeated)."""
    r = max(1, int(math.ceil(3 * sigma)))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2).astype(np.float32)
    k /= k.sum()
    for axis in (0, 1):
        pad = [(0, 0), (0, 0)]
        pad[axis] = (r, r)
        padded = np.pad(plane, pad, mode="edge")
        acc = np.zeros_like(plane)
        n = plane.shape[axis]
        for i, w in enumerate(k):
            acc += w * (padded[i:i + n] if axis == 0 else padded[:, i:i + n])
        plane = acc
    return plane


def photograph(light, cam_per_disp, turn, top, blur, crosstalk, noise, rng):
    """The display's light as a camera records it (8-bit RGB image)."""
    # integrate the light over boxes still finer than a third of a camera pixel
    k = max(1, int(SUB / (3 * cam_per_disp)))
    hh, ww = (light.shape[0] // k) * k, (light.shape[1] // k) * k
    light = light[:hh, :ww].reshape(hh // k, k, ww // k, k, 3).mean(axis=(1, 3))
    hh, ww = light.shape[:2]
    scale = cam_per_disp * k / SUB  # camera pixels per sample
    w, h = ww * scale, hh * scale
    out_w, out_h = int(w * 1.25) + 16, int(h * 1.25) + 16  # room for the bezel and the room
    cx, cy = out_w / 2, out_h / 2
    a = math.radians(turn)
    corners = [(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)]
    corners = [(x * (1 - top) if y < 0 else x, y) for x, y in corners]
    view = [(cx + x * math.cos(a) - y * math.sin(a), cy + x * math.sin(a) + y * math.cos(a))
            for x, y in corners]
    coeffs = perspective_coefficients([(0, 0), (ww, 0), (ww, hh), (0, hh)], view)
    channels = []
    for c in range(3):
        plane = Image.fromarray(gaussian_blur(light[..., c], blur / scale), "F")
        channels.append(np.asarray(plane.transform((out_w, out_h), Image.PERSPECTIVE, coeffs,
                                                   Image.BILINEAR), np.float32))
    inside = np.asarray(Image.new("F", (ww, hh), 1.0).transform(
        (out_w, out_h), Image.PERSPECTIVE, coeffs, Image.BILINEAR), np.float32)
    cam = np.stack(channels, axis=-1)
    mix = np.full((3, 3), crosstalk / 2, np.float32)
    np.fill_diagonal(mix, 1 - crosstalk)
    cam = cam @ mix.T
    # around the screen: its bezel (near black) and, further out, the room
    yy, xx = np.mgrid[0:out_h, 0:out_w]
    room = ((np.abs(xx - cx) > w * 0.58) | (np.abs(yy - cy) > h * 0.58))[..., None]
    surround = np.where(room, np.array([0.25, 0.22, 0.18], np.float32), 0.01)
    cam = cam * inside[..., None] + surround * (1 - inside[..., None])
    exposure = rng.uniform(0.8, 1.1) / max(1e-3, float(np.percentile(cam, 99)))
    cam = np.clip(cam * exposure, 0, 1)
    # Bayer RGGB mosaic, demosaiced bilinearly
    bayer = np.zeros(cam.shape[:2], np.float32)
    bayer[0::2, 0::2] = cam[0::2, 0::2, 0]
    bayer[0::2, 1::2] = cam[0::2, 1::2, 1]
    bayer[1::2, 0::2] = cam[1::2, 0::2, 1]
    bayer[1::2, 1::2] = cam[1::2, 1::2, 2]
    bayer += rng.normal(0, noise / 255.0, bayer.shape).astype(np.float32)
    return demosaic(bayer)


def demosaic(bayer):
    """Bilinear RGGB demosaicing to an 8-bit RGB image (sRGB-like gamma)."""
    h, w = bayer.shape
    masks = np.zeros((3, h, w), np.float32)
    masks[0, 0::2, 0::2] = 1
    masks[1, 0::2, 1::2] = 1
    masks[1, 1::2, 0::2] = 1
    masks[2, 1::2, 1::2] = 1
    kernel_rb = np.array([[0.25, 0.5, 0.25], [0.5, 1, 0.5], [0.25, 0.5, 0.25]], np.float32)
    kernel_g = np.array([[0, 0.25, 0], [0.25, 1, 0.25], [0, 0.25, 0]], np.float32)
    out = np.zeros((h, w, 3), np.float32)
    for c in range(3):
        k = kernel_g if c == 1 else kernel_rb
        padded = np.pad(bayer * masks[c], 1, mode="edge")
        acc = np.zeros((h, w), np.float32)
        for dy in range(3):
            for dx in range(3):
                acc += k[dy, dx] * padded[dy:dy + h, dx:dx + w]
        out[..., c] = acc
    out = np.clip(out, 0, 1) ** (1 / 2.2)
    return Image.fromarray((out * 255 + 0.5).astype(np.uint8))


def recapture(doc, rng):
    """One simulated recapture of the PIL image doc, and its parameters."""
    p = dict(
        layout="stripe" if rng.random() < 0.6 else "diamond",
        fill=round(float(rng.uniform(0.55, 0.9)), 2),
        black=round(float(rng.uniform(0.01, 0.04)), 3),
        camera_per_display=round(float(np.exp(rng.uniform(math.log(0.55), math.log(3.0)))), 3),
        turn=round(float(rng.uniform(-12, 12)), 1),
        top=round(float(rng.uniform(0, 0.12)), 3),
        blur=round(float(rng.uniform(0.35, 0.7)), 2),
        crosstalk=round(float(rng.uniform(0.1, 0.2)), 2),
        noise=round(float(rng.uniform(1, 4)), 1),
        quality=int(rng.integers(70, 96)),
    )
    # the photo ends up 900-1800 camera pixels across the document
    across = float(rng.uniform(900, 1800))
    p["display_px"] = max(64, min(1200, int(across / p["camera_per_display"])))
    light = display_emission(doc, p["display_px"], p["layout"], p["fill"], p["black"], rng)
    photo = photograph(light, p["camera_per_display"], p["turn"], p["top"], p["blur"],
                       p["crosstalk"], p["noise"], rng)
    return photo, p


def main():
    if len(sys.argv) < 4:
        sys.exit("usage: recapture.py SEED OUT SOURCE_DIR...")
    seed, out, dirs = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(seed)
    with open(os.path.join(out, "truth.tsv"), "w") as truth:
        truth.write("#file\tlabel\tsource\tparameters\n")
        for path, name in source_images(dirs):
            doc = Image.open(path)
            truth.write(f"{os.path.abspath(path)}\tgenuine\t{path}\t{{}}\n")
            photo, p = recapture(doc, rng)
            file = "screen_" + name.rsplit(".", 1)[0] + ".jpg"
            photo.save(os.path.join(out, file), quality=p["quality"])
            truth.write(f"{file}\tscreen\t{path}\t{json.dumps(p)}\n")
            truth.flush()
    print(f"recaptures of {len(source_images(dirs))} images in {out}")


if __name__ == "__main__":
    main()
