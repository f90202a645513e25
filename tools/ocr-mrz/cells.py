"""The geometry ekycd's C reader uses to cut an MRZ line strip into character tiles, written
again in numpy for training. Keep in step with src/ocr/mrz_cells.c: same strip height, same cell
formula, same tile sampling, same contrast normalisation, or the model learns other pictures
than it will be shown."""
import numpy as np

STRIP_HEIGHT = 64        # strip rows; characters come out ~34 px tall
STRIP_THICKNESS = 1.9    # strip height over character height
STRIP_MARGIN = 0.8       # extra length at each end, over character height
GLYPH_SHARE = 0.72       # glyph width over the character pitch assumed at the line ends
TILE = 32                # tile side, pixels
TILE_TOP, TILE_BOTTOM = 8.0, 56.0  # strip rows a tile covers
TILE_WIDTH = 1.4         # tile width over the pitch
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"


def bilinear_clamped(img, fx, fy):
    """img float32 HxW; fx, fy arrays of continuous coordinates (pixel i spans [i, i+1))."""
    h, w = img.shape
    x = np.clip(fx - 0.5, 0, w - 1)
    y = np.clip(fy - 0.5, 0, h - 1)
    x0 = x.astype(np.int32)
    y0 = y.astype(np.int32)
    x1 = np.minimum(x0 + 1, w - 1)
    y1 = np.minimum(y0 + 1, h - 1)
    ax = x - x0
    ay = y - y0
    top = img[y0, x0] + ax * (img[y0, x1] - img[y0, x0])
    bottom = img[y1, x0] + ax * (img[y1, x1] - img[y1, x0])
    return top + ay * (bottom - top)


def warp(img, m, out_w, out_h):
    """image_warp_grey: strip pixel (u, v) -> image (m0 u + m1 v + m2, m3 u + m4 v + m5), with
    a 3x3 average when shrinking by more than 1.5; rounded to uint8 like the C code."""
    step_u = np.hypot(m[0], m[3])
    step_v = np.hypot(m[1], m[4])
    taps = 3 if step_u > 1.5 or step_v > 1.5 else 1
    u, v = np.meshgrid(np.arange(out_w, dtype=np.float32), np.arange(out_h, dtype=np.float32))
    acc = np.zeros((out_h, out_w), np.float32)
    for j in range(taps):
        for i in range(taps):
            fu = u + (i + 0.5) / taps
            fv = v + (j + 0.5) / taps
            acc += bilinear_clamped(img, m[0] * fu + m[1] * fv + m[2], m[3] * fu + m[4] * fv + m[5])
    return np.floor(acc / (taps * taps) + 0.5).clip(0, 255).astype(np.float32)


def strip_levels(strip):
    """Ink and paper grey levels: the 5th and 95th percentiles (C: the same from a histogram)."""
    hist = np.bincount(strip.astype(np.uint8).ravel(), minlength=256)
    cum = np.cumsum(hist)
    n = strip.size
    lo = int(np.searchsorted(cum, 0.05 * n, side="right"))
    hi = int(np.searchsorted(cum, 0.95 * n, side="right"))
    return lo, hi


def cell_centres(line_start, line_length, length):
    pitch = line_length / (length - 1 + GLYPH_SHARE)
    first = line_start + GLYPH_SHARE * pitch / 2
    return [first + i * pitch for i in range(length)], pitch


def tiles(strip, line_start, line_length, length):
    """The `length` tiles of one strip, float32 [length, 1, TILE, TILE], ink 1, paper 0."""
    lo, hi = strip_levels(strip)
    out = np.zeros((length, 1, TILE, TILE), np.float32)
    if hi - lo < 8:
        return out
    centres, pitch = cell_centres(line_start, line_length, length)
    sx = TILE_WIDTH * pitch / TILE
    sy = (TILE_BOTTOM - TILE_TOP) / TILE
    grid = (np.arange(TILE, dtype=np.float32) + 0.5)
    fy = TILE_TOP + grid[:, None] * sy + np.zeros((1, TILE), np.float32)
    for i, cx in enumerate(centres):
        x0 = cx - TILE_WIDTH * pitch / 2
        fx = x0 + grid[None, :] * sx + np.zeros((TILE, 1), np.float32)
        vals = bilinear_clamped(strip, fx, fy)
        out[i, 0] = np.clip((hi - vals) / (hi - lo), 0.0, 1.0)
    return out
