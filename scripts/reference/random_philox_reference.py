"""Known answers for src/random/ (Philox 4x32-10 and the training draws built on it).

Philox 4x32-10 is transcribed from Salmon et al., "Parallel random numbers: as easy as 1, 2, 3"
(SC 2011) and Random123's philox.h, with Python's unbounded integers (no 16-bit splitting, unlike
the TypeScript and WGSL), and checked against the known-answer vectors of Random123's
kat_vectors before anything is written. The draws follow the contract in src/random/draws.ts:
counter = [index, step, stream, 0], key = [seed & 0xffffffff, seed >> 32], streams t = 1,
flip = 2, eps = 3, dropout = 16 + call.

Run:  /usr/bin/python3 scripts/reference/random_philox_reference.py
Writes scripts/reference/fixtures/random_philox.json.
"""

import json
import math
import os
import struct

MASK = 0xFFFFFFFF
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "random_philox.json")

M0, M1 = 0xD2511F53, 0xCD9E8D57
W0, W1 = 0x9E3779B9, 0xBB67AE85

# Random123 kat_vectors, "philox4x32 10": counter, key, expected output.
KAT = [
    ([0, 0, 0, 0], [0, 0], [0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8]),
    ([MASK] * 4, [MASK] * 2, [0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD]),
    (
        [0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344],
        [0xA4093822, 0x299F31D0],
        [0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1],
    ),
]


def philox4x32_10(ctr, key):
    c = list(ctr)
    k0, k1 = key
    for r in range(10):
        if r > 0:
            k0 = (k0 + W0) & MASK
            k1 = (k1 + W1) & MASK
        p0 = M0 * c[0]
        p1 = M1 * c[2]
        c = [((p1 >> 32) ^ c[1] ^ k0) & MASK, p1 & MASK, ((p0 >> 32) ^ c[3] ^ k1) & MASK, p0 & MASK]
    return c


def words(seed, step, stream, index):
    return philox4x32_10([index, step, stream, 0], [seed & MASK, seed >> 32])


def f32(x):
    return struct.unpack("f", struct.pack("f", x))[0]


def timesteps(seed, step, batch, T, shared):
    return [words(seed, step, 1, 0 if shared else b)[0] % T for b in range(batch)]


def flips(seed, step, batch):
    return [words(seed, step, 2, b)[0] >> 31 for b in range(batch)]


def noise(seed, step, n):
    out = []
    for e in range(n):
        w = words(seed, step, 3, e // 4)
        a, b = (w[0], w[1]) if e % 4 < 2 else (w[2], w[3])
        u1 = ((a >> 8) + 1) / 2.0**24
        u2 = (b >> 8) / 2.0**24
        r = math.sqrt(-2.0 * math.log(u1))
        z = r * (math.cos(2 * math.pi * u2) if e % 2 == 0 else math.sin(2 * math.pi * u2))
        out.append(f32(z))
    return out


def dropout_keep(seed, step, call, n, rate):
    threshold = round(rate * 2**24)
    return [int((words(seed, step, 16 + call, e // 4)[e % 4] >> 8) >= threshold) for e in range(n)]


def main():
    for ctr, key, expected in KAT:
        got = philox4x32_10(ctr, key)
        assert got == expected, f"Philox KAT failed for {ctr} {key}: {[hex(g) for g in got]}"
    cases = []
    for seed, step in [(0, 0), (1, 0), (1, 1), (4242, 17), (2**32 - 1, 123456), (2**40 + 5, 3)]:
        cases.append(
            dict(
                seed=seed,
                step=step,
                words=[words(seed, step, s, i) for s, i in [(1, 0), (3, 7), (16, 2)]],
                t=timesteps(seed, step, 8, 1000, False),
                tShared=timesteps(seed, step, 4, 1000, True),
                flips=flips(seed, step, 8),
                eps=noise(seed, step, 13),
                keep=dropout_keep(seed, step, 2, 37, 0.1),
            )
        )
    fixture = dict(
        generator="scripts/reference/random_philox_reference.py",
        kat=[dict(counter=c, key=k, out=o) for c, k, o in KAT],
        cases=cases,
    )
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes); Philox KAT: {len(KAT)} vectors ok")


if __name__ == "__main__":
    main()
