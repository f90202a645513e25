#!/usr/bin/env python3
"""Writes random but well-formed MRZ lines (TD1, TD2, TD3, MRV), one per line, for rendering
with text2image when training ekycd's OCR-B MRZ model. Never uses the evaluation sets.
Usage: mrz_text.py COUNT SEED > lines.txt"""
import random
import sys

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DIGITS = "0123456789"
STATES = ["UTO", "D<<", "FRA", "GBR", "USA", "MYS", "SGP", "IDN", "CHE", "NLD", "ESP", "ITA",
          "CHN", "IND", "AUS", "CAN", "BEL", "PRT", "XXA", "POL", "CZE", "FIN", "SWE", "JPN"]


def check_digit(s):
    total = 0
    for i, c in enumerate(s):
        v = 0 if c == "<" else int(c) if c.isdigit() else ord(c) - 55
        total += v * (7, 3, 1)[i % 3]
    return str(total % 10)


def word(rng, lo, hi):
    return "".join(rng.choice(LETTERS) for _ in range(rng.randint(lo, hi)))


def names(rng, width):
    surname = "<".join(word(rng, 2, 10) for _ in range(rng.choice([1, 1, 1, 2, 3])))
    given = "<".join(word(rng, 2, 9) for _ in range(rng.choice([0, 1, 1, 2, 3])))
    text = surname + ("<<" + given if given else "")
    return (text + "<" * width)[:width]


def alnum(rng, n, digit_share=0.7):
    return "".join(rng.choice(DIGITS) if rng.random() < digit_share else rng.choice(LETTERS)
                   for _ in range(n))


def date(rng):
    return "%02d%02d%02d" % (rng.randint(0, 99), rng.randint(1, 12), rng.randint(1, 28))


def filler_or(rng, n, digit_share):
    if rng.random() < 0.5:
        return "<" * n
    k = rng.randint(1, n)
    return (alnum(rng, k, digit_share) + "<" * n)[:n]


def td3(rng, code="P"):
    l1 = (code + rng.choice("<<<<ADOS") + rng.choice(STATES) + names(rng, 39))[:44]
    num = alnum(rng, 9, 0.8)
    personal = filler_or(rng, 14, 0.6)
    pcd = "<" if personal == "<" * 14 and rng.random() < 0.5 else check_digit(personal)
    body = (num + check_digit(num) + rng.choice(STATES) + (b := date(rng)) + check_digit(b) +
            rng.choice("MFMF<") + (e := date(rng)) + check_digit(e))
    l2 = body + personal + pcd
    l2 += check_digit(l2[0:10] + l2[13:20] + l2[21:43])
    return [l1, l2]


def td2(rng):
    l1 = ("I" + rng.choice("<DP") + rng.choice(STATES) + names(rng, 31))[:36]
    num = alnum(rng, 9, 0.8)
    opt = filler_or(rng, 7, 0.6)
    l2 = (num + check_digit(num) + rng.choice(STATES) + (b := date(rng)) + check_digit(b) +
          rng.choice("MF<") + (e := date(rng)) + check_digit(e) + opt)
    l2 += check_digit(l2[0:10] + l2[13:20] + l2[21:35])
    return [l1, l2]


def td1(rng):
    num = alnum(rng, 9, 0.8)
    l1 = ("I" + rng.choice("<DC") + rng.choice(STATES) + num + check_digit(num) +
          filler_or(rng, 15, 0.7))
    l2 = ((b := date(rng)) + check_digit(b) + rng.choice("MF<") + (e := date(rng)) +
          check_digit(e) + rng.choice(STATES) + filler_or(rng, 11, 0.8))
    l2 += check_digit(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29])
    return [l1, l2, names(rng, 30)]


def main():
    count, seed = int(sys.argv[1]), int(sys.argv[2])
    rng = random.Random(seed)
    makers = [td3, td3, td2, td1, lambda r: td3(r, "V")]
    out = []
    while len(out) < count:
        out.extend(rng.choice(makers)(rng))
    print("\n".join(out[:count]))


if __name__ == "__main__":
    main()
