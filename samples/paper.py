"""Paper itself: tint and fibre texture, blank backsides with bleed-through, a cover letter.

The cover letter is the batch's non-form page (`unknown`): a printed A4 letter with a seal.
"""

from __future__ import annotations

import random

import cv2
import numpy as np
from PIL import Image, ImageDraw

from samples.fonts import load_font, printed_faces
from samples.layout import A4_PORTRAIT
from samples.printing import wrap_text

TINTS = ((252, 251, 247), (250, 248, 238), (246, 246, 244), (253, 250, 242), (240, 238, 230))


def smooth_noise(rng: np.random.Generator, shape: tuple[int, int], cell: int) -> np.ndarray:
    """Low-frequency noise in about [-1, 1], built small and upsampled (fast at page size)."""
    small = rng.standard_normal((max(2, shape[0] // cell), max(2, shape[1] // cell)))
    small = small.astype(np.float32)
    return cv2.resize(small, (shape[1], shape[0]), interpolation=cv2.INTER_CUBIC)


def tint_paper(page: np.ndarray, rng: random.Random) -> np.ndarray:
    """An RGB sheet: grey print or RGB ink multiplied into a tinted, faintly mottled paper."""
    gen = np.random.default_rng(rng.randrange(2**32))
    rgb = page if page.ndim == 3 else cv2.cvtColor(page, cv2.COLOR_GRAY2RGB)
    h, w = page.shape[:2]
    small = (h // 16, w // 16)
    tint = np.array(rng.choice(TINTS), np.float32)
    mottle = 1.0 + 0.005 * smooth_noise(gen, small, 4)
    paper_small = np.clip(tint[None, None, :] * mottle[:, :, None], 0, 255).astype(np.uint8)
    paper = cv2.resize(paper_small, (w, h), interpolation=cv2.INTER_LINEAR)
    return cv2.multiply(rgb, paper, scale=1 / 255)


def blank_backside(front: np.ndarray, rng: random.Random) -> np.ndarray:
    """The back of a sheet: mirrored, blurred, very faint show-through of the front, and specks."""
    gray = front if front.ndim == 2 else cv2.cvtColor(front, cv2.COLOR_RGB2GRAY)
    ghost = cv2.GaussianBlur(np.fliplr(gray).astype(np.float32), (0, 0), 4.0)
    strength = rng.uniform(0.012, 0.04)
    back = 255.0 - (255.0 - ghost) * strength
    gen = np.random.default_rng(rng.randrange(2**32))
    for _ in range(rng.randint(2, 12)):
        y, x = int(gen.integers(0, back.shape[0])), int(gen.integers(0, back.shape[1]))
        cv2.circle(back, (x, y), int(gen.integers(1, 4)), float(gen.integers(60, 180)), -1)
    return tint_paper(np.clip(back, 0, 255).astype(np.uint8), rng)


LETTER_BODY = (
    "市政协办公室：",
    "根据《关于开展委员联系界别群众活动的实施意见》要求，现将我工委{year}年度委员联系群众"
    "服务卡及登记表汇总报送，请查收。",
    "今年以来，各位委员认真履职，深入界别群众开展走访慰问、政策宣传、收集社情民意等活动，"
    "帮助群众解决了一批实际困难。部分服务卡因联系对象外出务工未能按时收回，将于下月补报。",
    "特此函告。",
)


def cover_letter(rng: random.Random, year: int, sender: str) -> np.ndarray:
    """A printed A4 cover letter from a town committee, with a red round seal (RGB)."""
    width, height = A4_PORTRAIT
    page = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(page)
    face = rng.choice(printed_faces("song"))
    title_font = load_font(face, 84)
    body_font = load_font(face, 56)
    x0, x1 = 300, width - 300
    title = f"关于报送{year}年度委员联系群众服务卡的函"
    for n, line in enumerate(wrap_text(title_font, title, x1 - x0)):
        tw = draw.textlength(line, font=title_font)
        draw.text(((width - tw) / 2, 380 + n * 120), line, font=title_font, fill=(20, 20, 20))
    y = 700
    for n, para in enumerate(LETTER_BODY):
        text = para.format(year=year) if n == 0 else "　　" + para.format(year=year)
        for line in wrap_text(body_font, text, x1 - x0):
            draw.text((x0, y), line, font=body_font, fill=(20, 20, 20))
            y += 100
        y += 20
    y += 160
    for line in (f"靖江市政协{sender}工委", f"{year}年12月{rng.randint(1, 5)}日"):
        tw = draw.textlength(line, font=body_font)
        draw.text((x1 - tw - 60, y), line, font=body_font, fill=(20, 20, 20))
        y += 100
    cx, cy, r = x1 - 320, y - 200, 200
    seal = (200, 40, 45)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=seal, width=14)
    draw.regular_polygon((cx, cy, 60), 5, rotation=rng.uniform(0, 10), fill=seal)
    return tint_paper(np.asarray(page), rng)
