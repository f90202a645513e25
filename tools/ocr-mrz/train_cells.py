#!/usr/bin/python3
"""Trains ekycd's MRZ character classifier (ocr/mrz_chars.onnx): a small convolutional network
that names the character in one fixed-pitch cell of an MRZ line strip.

Training data is rendered here and nowhere else: random well-formed MRZ blocks (mrz_text.py) in
OCR-B (Debian fonts-ocr-b, regular and sharp), on plain or patterned paper, in varied ink, weight and spacing,
turned a little, shrunk to 11-40 px character height, blurred, noised and JPEG-compressed; then
each line is cut exactly as the C reader cuts it (cells.py), with the line ends, centre line and
height misjudged by as much as the reader's line finder does. Never sees ../shared/data.

Needs Debian's python3-torch, python3-numpy, python3-pil, python3-onnx.
Usage: tools/ocr-mrz/train_cells.py OUT.onnx [--blocks N] [--epochs E] [--seed S]
The committed ocr/mrz_chars.onnx: --blocks 2500 --epochs 6 --seed 1 (about 25 minutes on two
cores). Its partner ocr/mrz_chars_soft.onnx (the reader averages the two): the same with
--heavy-blur 0.25 --min-height 8 (a quarter of the blocks blurred by 7-13 % of the character
height, characters down to 8 px). Tried and rejected (docs/accuracy.md): 15 more Debian print
faces, glyphs centred by their ink and wider spacing read fewer shared line crops exactly (71.5 %
against 82.6 %); so did --other-faces 0.2 --min-height 9 (81.8 %), though it read one more dev
document."""
import argparse
import io
import math
import multiprocessing
import os
import random
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cells  # noqa: E402
import mrz_text  # noqa: E402

FONTS = ["/usr/share/fonts/opentype/ocr-b/OCRB.otf", "/usr/share/fonts/opentype/ocr-b/OCRBS.otf"]
# Sans and monospaced print faces some specimens and issuers print their MRZ in instead of
# OCR-B; a share of blocks (--other-faces) is rendered in one of them, every glyph centred in
# its fixed-pitch cell as a monospacing printer would place it.
OTHER_FACES = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSansNarrow-Regular.ttf",
    "/usr/share/fonts/truetype/freefont/FreeMono.ttf",
    "/usr/share/fonts/truetype/freefont/FreeMonoBold.ttf",
    "/usr/share/fonts/truetype/freefont/FreeSans.ttf",
    "/usr/share/fonts/truetype/noto/NotoSansMono-Regular.ttf",
    "/usr/share/fonts/truetype/croscore/Cousine-Regular.ttf",
    "/usr/share/fonts/truetype/croscore/Arimo-Regular.ttf",
    "/usr/share/fonts/truetype/inconsolata/Inconsolata.otf",
]
RENDER_CAP = 48  # cap height of the high-resolution rendering, pixels
OPTIONS = {"other_faces": 0.0, "min_height": 11.0, "heavy_blur": 0.0}  # set from the command line


def block_text(rng):
    maker = rng.choice([mrz_text.td3, mrz_text.td3, mrz_text.td2, mrz_text.td1,
                        lambda r: mrz_text.td3(r, "V")])
    return maker(rng)


def paper(rng, w, h):
    """Light paper, sometimes with gradients and fine guilloche-like lines."""
    base = rng.uniform(160, 250)
    img = np.full((h, w), base, np.float32)
    if rng.random() < 0.6:
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        for _ in range(rng.randint(1, 4)):
            fx, fy = rng.uniform(0.005, 0.08), rng.uniform(0.005, 0.08)
            phase = rng.uniform(0, 6.3)
            amp = rng.uniform(3, 25)
            img += amp * np.sin(fx * xx + fy * yy + phase + 2 * np.sin(0.01 * xx))
    if rng.random() < 0.5:
        img += np.linspace(rng.uniform(-25, 0), rng.uniform(0, 25), w)[None, :]
    return img


def render_block(rng):
    """One MRZ block at high resolution: grey image, lines, and per line its extent (from the
    first pen position to the last glyph's advance end, as Pillow's getbbox reports it) and the
    centre line (y) in that image, the character cap height, the line spacing."""
    lines = block_text(rng)
    other = OPTIONS["other_faces"] > 0 and rng.random() < OPTIONS["other_faces"]
    font = ImageFont.truetype(rng.choice(OTHER_FACES if other else FONTS), 64)
    cap = font.getbbox("H")[3] - font.getbbox("H")[1]
    size = int(round(64 * RENDER_CAP / cap))
    font = ImageFont.truetype(font.path, size)
    advance = font.getlength("A") * rng.uniform(0.93, 1.12)
    spacing = RENDER_CAP * rng.uniform(1.45, 2.1)
    margin = 3 * RENDER_CAP
    n = max(len(l) for l in lines)
    w = int(margin * 2 + advance * n)
    h = int(margin * 2 + spacing * len(lines))
    ink_img = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(ink_img)
    stroke = 1 if rng.random() < 0.25 else 0
    top_h = font.getbbox("H")[1]
    geometry = []
    for k, text in enumerate(lines):
        y_cap_top = margin + k * spacing
        x_first = x_last = None
        for i, ch in enumerate(text):
            x = margin + i * advance
            if other:  # centred in the cell OCR-B's advance gives it
                x += (font.getlength("0") - font.getlength(ch)) / 2
            y = y_cap_top - top_h
            draw.text((x, y), ch, font=font, fill=255, stroke_width=stroke, stroke_fill=255)
            box = font.getbbox(ch, stroke_width=stroke)
            if i == 0:
                x_first = x + box[0]
            if i == len(text) - 1:
                x_last = x + box[2]
        geometry.append((x_first, x_last, y_cap_top + RENDER_CAP / 2))
    ink = np.asarray(ink_img, np.float32) / 255.0
    if rng.random() < 0.3:  # thinner or heavier print
        filt = ImageFilter.MinFilter(3) if rng.random() < 0.5 else ImageFilter.MaxFilter(3)
        ink = np.asarray(Image.fromarray((ink * 255).astype(np.uint8)).filter(filt),
                         np.float32) / 255.0
    bg = paper(rng, w, h)
    ink_level = rng.uniform(0, 100)
    img = bg * (1 - ink) + ink_level * ink
    return img, lines, geometry, spacing


def capture(rng, img, geometry, spacing):
    """Shrink to the captured character height, turn slightly, blur, noise, JPEG; returns the
    image and the geometry mapped into it."""
    target = math.exp(rng.uniform(math.log(OPTIONS["min_height"]), math.log(40)))
    s = target / RENDER_CAP
    angle = math.radians(rng.uniform(-3, 3))
    h, w = img.shape
    ow, oh = int(w * s) + 2, int(h * s) + 2
    c, sn = math.cos(angle), math.sin(angle)
    # output (u, v) -> source: rotate about the centre, scale by 1/s
    cx, cy = w / 2, h / 2
    ocx, ocy = ow / 2, oh / 2
    m = [c / s, -sn / s, 0, sn / s, c / s, 0]
    m[2] = cx - (m[0] * ocx + m[1] * ocy)
    m[5] = cy - (m[3] * ocx + m[4] * ocy)
    out = cells.warp(img, m, ow, oh)
    # source -> output (inverse of the rotation-and-scale)
    def fwd(x, y):
        dx, dy = x - cx, y - cy
        return ocx + s * (c * dx + sn * dy), ocy + s * (-sn * dx + c * dy)
    geo = []
    for x0, x1, yc in geometry:
        ax, ay = fwd(x0, yc)
        bx, by = fwd(x1, yc)
        geo.append((ax, ay, bx, by))
    pil = Image.fromarray(out.clip(0, 255).astype(np.uint8))
    blur = rng.choice([0, 0, 0.4, 0.7, 1.0, 1.4]) * max(0.5, target / 25)
    if OPTIONS["heavy_blur"] > 0 and rng.random() < OPTIONS["heavy_blur"]:
        blur = rng.uniform(0.07, 0.13) * target  # a soft phone photo or an enlarged thumbnail
    if blur > 0:
        pil = pil.filter(ImageFilter.GaussianBlur(blur))
    arr = np.asarray(pil, np.float32)
    arr = arr + np.random.default_rng(rng.randint(0, 1 << 30)).normal(
        0, rng.uniform(0, 10), arr.shape)
    pil = Image.fromarray(arr.clip(0, 255).astype(np.uint8))
    if rng.random() < 0.6:
        buf = io.BytesIO()
        pil.save(buf, "JPEG", quality=rng.randint(30, 95))
        pil = Image.open(io.BytesIO(buf.getvalue())).convert("L")
    return np.asarray(pil, np.float32), geo, target, spacing * s


def strip_of(rng, img, line, height, spacing):
    """Cut one line as src/kyc/mrz_reader.c does, from a slightly wrong line estimate."""
    ax, ay, bx, by = line
    length = math.hypot(bx - ax, by - ay)
    dirx, diry = (bx - ax) / length, (by - ay) / length
    # the line finder's errors: ends, centre line, angle, height
    e0 = rng.gauss(0, 0.06) * height
    e1 = rng.gauss(0, 0.06) * height
    ax, ay = ax - e0 * dirx, ay - e0 * diry
    bx, by = bx + e1 * dirx, by + e1 * diry
    off = rng.gauss(0, 0.05) * height
    tilt = rng.gauss(0, 0.004)
    dirx, diry = dirx - tilt * diry, diry + tilt * dirx
    norm = math.hypot(dirx, diry)
    dirx, diry = dirx / norm, diry / norm
    nx, ny = -diry, dirx
    ax, ay, bx, by = ax + off * nx, ay + off * ny, bx + off * nx, by + off * ny
    h_est = height * rng.uniform(0.9, 1.12)
    line_len = math.hypot(bx - ax, by - ay)
    full = line_len + 2 * cells.STRIP_MARGIN * h_est
    thick = min(cells.STRIP_THICKNESS * h_est, 1.1 * spacing)
    k = thick / cells.STRIP_HEIGHT
    width = int(full / k + 0.5)
    midx, midy = (ax + bx) / 2, (ay + by) / 2
    ox = midx - full / 2 * dirx - thick / 2 * nx
    oy = midy - full / 2 * diry - thick / 2 * ny
    m = [k * dirx, k * nx, ox, k * diry, k * ny, oy]
    strip = cells.warp(img, m, width, cells.STRIP_HEIGHT)
    return strip, cells.STRIP_MARGIN * h_est / k, line_len / k


def make_samples(args):
    seed, count = args
    rng = random.Random(seed)
    xs, ys = [], []
    for _ in range(count):
        img, lines, geometry, spacing = render_block(rng)
        cap, geo, height, sp = capture(rng, img, geometry, spacing)
        for text, line in zip(lines, geo):
            strip, start, length = strip_of(rng, cap, line, height, sp)
            xs.append(cells.tiles(strip, start, length, len(text)))
            ys.extend(cells.ALPHABET.index(ch) for ch in text)
    return np.concatenate(xs), np.array(ys, np.int64)


def dataset(blocks, seed):
    jobs = [(seed * 100000 + i, 25) for i in range(blocks // 25)]
    with multiprocessing.Pool(2) as pool:
        parts = pool.map(make_samples, jobs)
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def build_model(torch):
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 4 * 4, 128), nn.ReLU(), nn.Dropout(0.2),
        nn.Linear(128, len(cells.ALPHABET)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--blocks", type=int, default=3000)
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--samples", help="save the first tiles as a PNG sheet here")
    ap.add_argument("--other-faces", type=float, default=0.0,
                    help="share of blocks printed in a sans or monospaced face, not OCR-B")
    ap.add_argument("--min-height", type=float, default=11.0,
                    help="smallest captured character height, pixels")
    ap.add_argument("--heavy-blur", type=float, default=0.0,
                    help="share of blocks blurred by 7-13 %% of the character height")
    a = ap.parse_args()
    OPTIONS["other_faces"], OPTIONS["min_height"] = a.other_faces, a.min_height
    OPTIONS["heavy_blur"] = a.heavy_blur
    import torch
    torch.manual_seed(a.seed)
    torch.set_num_threads(2)
    x, y = dataset(a.blocks, a.seed)
    vx, vy = dataset(200, a.seed + 1000)  # held-out renders, other seed
    print(f"train tiles {len(y)}, validation tiles {len(vy)}", flush=True)
    if a.samples:
        sheet = (255 - 255 * x[:400, 0]).reshape(20, 20, cells.TILE, cells.TILE)
        sheet = sheet.transpose(0, 2, 1, 3).reshape(20 * cells.TILE, 20 * cells.TILE)
        Image.fromarray(sheet.astype(np.uint8)).save(a.samples)
    model = build_model(torch)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    steps = a.epochs * (len(y) // 256)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    for epoch in range(a.epochs):
        model.train()
        perm = torch.randperm(len(ty))
        total = 0.0
        for b in range(len(ty) // 256):
            idx = perm[b * 256:(b + 1) * 256]
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(tx[idx]), ty[idx])
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss)
        model.eval()
        with torch.no_grad():
            pred = model(torch.from_numpy(vx)).argmax(1).numpy()
        err = float((pred != vy).mean())
        print(f"epoch {epoch + 1}: loss {total / (len(ty) // 256):.4f}, "
              f"validation character errors {100 * err:.2f} %", flush=True)
    model.eval()
    model = torch.nn.Sequential(model, torch.nn.Softmax(dim=1))
    torch.onnx.export(model, torch.zeros(1, 1, cells.TILE, cells.TILE), a.out, opset_version=9,
                      input_names=["tile"], output_names=["prob"])
    print("wrote", a.out)


if __name__ == "__main__":
    main()
