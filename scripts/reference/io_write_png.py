"""Independent PNG writer for src/io tests (run with /usr/bin/python3: struct, zlib, random; PIL to self-check).

Writes scripts/reference/fixtures/io_png.json: small PNGs in every colour type and bit depth the
decoder supports, some Adam7-interlaced, with each row using a different filter type (0-4, so every
filter is exercised), image data split over several IDAT chunks and an ancillary tEXt chunk to
skip. For each file, `expected` is what the decoder must return: samples interleaved per pixel;
gray below 8 bits scaled to 0-255; palette expanded to RGB (RGBA when tRNS is present); 16-bit
samples as 16-bit numbers. Every file is also decoded with PIL here, as a check on this writer.
"""

import base64
import json
import pathlib
import random
import struct
import zlib

from PIL import Image

OUT = pathlib.Path(__file__).parent / "fixtures" / "io_png.json"
SAMPLES = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def chunk(kind, data):
    body = kind.encode("ascii") + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def pack_row(values, depth):
    """Samples of one row as bytes: big-endian for 16 bits, MSB-first packing below 8."""
    if depth == 16:
        return b"".join(struct.pack(">H", v) for v in values)
    if depth == 8:
        return bytes(values)
    out, acc, bits = bytearray(), 0, 0
    for v in values:
        acc = (acc << depth) | v
        bits += depth
        if bits == 8:
            out.append(acc)
            acc, bits = 0, 0
    if bits:
        out.append(acc << (8 - bits))
    return bytes(out)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def filter_row(kind, row, prev, bpp):
    out = bytearray()
    for i, x in enumerate(row):
        a = row[i - bpp] if i >= bpp else 0
        b = prev[i] if prev is not None else 0
        c = prev[i - bpp] if prev is not None and i >= bpp else 0
        pred = [0, a, b, (a + b) // 2, paeth(a, b, c)][kind]
        out.append((x - pred) & 0xFF)
    return bytes([kind]) + bytes(out)


def scanlines(pixels, width, height, color_type, depth, row_filter):
    """Filtered scanlines of one (sub-)image; pixels is a list of rows of per-pixel sample tuples."""
    bpp = max(1, SAMPLES[color_type] * depth // 8)
    out, prev = bytearray(), None
    for y in range(height):
        row = pack_row([s for px in pixels[y] for s in px], depth)
        out += filter_row(row_filter(y), row, prev, bpp)
        prev = row
    return bytes(out)


def make_png(width, height, color_type, depth, pixels, palette=None, trns=None, interlace=False, idat_parts=1):
    counter = iter(range(10**6))
    row_filter = lambda _y: next(counter) % 5  # noqa: E731 - every filter type, in turn, across all passes
    if interlace:
        raw = b""
        for x0, y0, dx, dy in ADAM7:
            sub = [[pixels[y][x] for x in range(x0, width, dx)] for y in range(y0, height, dy)]
            if sub and sub[0]:
                raw += scanlines(sub, len(sub[0]), len(sub), color_type, depth, row_filter)
    else:
        raw = scanlines(pixels, width, height, color_type, depth, row_filter)
    data = zlib.compress(raw, 9)
    step = -(-len(data) // idat_parts)
    out = b"\x89PNG\r\n\x1a\n" + chunk("IHDR", struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, int(interlace)))
    out += chunk("tEXt", b"Comment\x00written by io_write_png.py")
    if palette is not None:
        out += chunk("PLTE", bytes(c for rgb in palette for c in rgb))
    if trns is not None:
        out += chunk("tRNS", bytes(trns))
    for i in range(0, len(data), step):
        out += chunk("IDAT", data[i : i + step])
    return out + chunk("IEND", b"")


def expected_pixels(pixels, color_type, depth, palette, trns):
    out = []
    for row in pixels:
        for px in row:
            if color_type == 3:
                rgb = list(palette[px[0]])
                out += rgb + ([trns[px[0]] if px[0] < len(trns) else 255] if trns is not None else [])
            elif depth < 8:
                out += [v * 255 // ((1 << depth) - 1) for v in px]
            else:
                out += list(px)
    return out


def check_with_pil(raw, width, height, color_type, depth, expected, channels):
    """PIL's view of the file must agree with `expected` (PIL keeps 8 bits of 16-bit colour)."""
    import io

    img = Image.open(io.BytesIO(raw))
    img.load()
    assert img.size == (width, height)
    if color_type == 0 and depth == 16:
        got = list(img.getdata())
        assert got == expected, (got, expected)
        return
    img = img.convert({1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}[channels])
    got = [s for px in img.getdata() for s in (px if isinstance(px, tuple) else (px,))]
    want = [v >> 8 for v in expected] if depth == 16 else expected
    assert got == want, (color_type, depth, got[:12], want[:12])


def main():
    rng = random.Random(1234)
    cases = []
    specs = [
        ("gray1", 0, 1, 7, 5, False),
        ("gray2", 0, 2, 7, 5, False),
        ("gray4", 0, 4, 7, 5, False),
        ("gray8", 0, 8, 7, 5, False),
        ("gray16", 0, 16, 7, 5, False),
        ("gray_alpha8", 4, 8, 6, 4, False),
        ("gray_alpha16", 4, 16, 6, 4, False),
        ("rgb8", 2, 8, 7, 5, False),
        ("rgb16", 2, 16, 5, 3, False),
        ("rgba8", 6, 8, 7, 5, False),
        ("rgba16", 6, 16, 5, 3, False),
        ("palette1", 3, 1, 9, 4, False),
        ("palette2", 3, 2, 7, 5, False),
        ("palette4_trns", 3, 4, 7, 5, False),
        ("palette8_trns", 3, 8, 7, 5, False),
        ("rgb8_adam7", 2, 8, 11, 9, True),
        ("gray2_adam7", 0, 2, 13, 10, True),
        ("rgba16_adam7", 6, 16, 9, 9, True),
        ("palette4_adam7", 3, 4, 10, 7, True),
        ("gray8_adam7_1x1", 0, 8, 1, 1, True),
        ("rgb8_adam7_3x2", 2, 8, 3, 2, True),
    ]
    for name, color_type, depth, width, height, interlace in specs:
        palette = trns = None
        if color_type == 3:
            n = min(1 << depth, 11)
            palette = [tuple(rng.randrange(256) for _ in range(3)) for _ in range(n)]
            if "trns" in name:
                trns = [rng.randrange(256) for _ in range(n - 2)]  # shorter than the palette: the rest are opaque
            top = n
        else:
            top = 1 << depth
        pixels = [[tuple(rng.randrange(top) for _ in range(SAMPLES[color_type])) for _ in range(width)] for _ in range(height)]
        raw = make_png(width, height, color_type, depth, pixels, palette, trns, interlace, idat_parts=3 if width * height > 30 else 1)
        expected = expected_pixels(pixels, color_type, depth, palette, trns)
        channels = (4 if trns is not None else 3) if color_type == 3 else SAMPLES[color_type]
        check_with_pil(raw, width, height, color_type, depth, expected, channels)
        cases.append({
            "name": name,
            "png": base64.b64encode(raw).decode("ascii"),
            "width": width,
            "height": height,
            "channels": channels,
            "bitDepth": 16 if depth == 16 else 8,
            "expected": expected,
        })
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"cases": cases}, separators=(",", ":")) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, {len(cases)} images, all checked with PIL)")


if __name__ == "__main__":
    main()
