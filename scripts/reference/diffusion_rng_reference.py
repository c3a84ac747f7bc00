"""Known-answer values for src/diffusion/rng.ts, from the published xoshiro128** algorithm
(Blackman & Vigna, https://prng.di.unimi.it/xoshiro128starstar.c) and the Box–Muller transform
z0 = sqrt(-2 ln u1) cos(2 pi u2), z1 = sqrt(-2 ln u1) sin(2 pi u2) with u1 = 1 - U1, u2 = U2 and
U = next() / 2^32. Independent of the TypeScript code.

Run:  /usr/bin/python3 scripts/reference/diffusion_rng_reference.py
Writes scripts/reference/fixtures/diffusion_rng_golden.json.
"""

import json
import math
import os

MASK = 0xFFFFFFFF
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "diffusion_rng_golden.json")


def rotl(x, k):
    return ((x << k) | (x >> (32 - k))) & MASK


class Xoshiro128StarStar:
    def __init__(self, s):
        self.s = list(s)

    def next(self):
        s = self.s
        result = (rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 9) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 11)
        return result


def case(state, count, normals):
    g = Xoshiro128StarStar(state)
    uint32 = [g.next() for _ in range(count)]
    g = Xoshiro128StarStar(state)
    z = []
    while len(z) < normals:
        u1 = 1 - g.next() / 2**32
        u2 = g.next() / 2**32
        r = math.sqrt(-2 * math.log(u1))
        z += [r * math.cos(2 * math.pi * u2), r * math.sin(2 * math.pi * u2)]
    return dict(state=list(state) + [0, 0], uint32=uint32, normals=z[:normals])


def main():
    fixture = dict(
        generator="scripts/reference/diffusion_rng_reference.py",
        cases=[case([1, 2, 3, 4], 12, 7), case([0x9E3779B9, 0x243F6A88, 0xB7E15162, 0xDEADBEEF], 12, 7)],
    )
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
