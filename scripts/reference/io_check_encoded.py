"""Reads the files io_encode_samples.ts wrote with independent decoders and checks them.

PNG/APNG/GIF with PIL (pixels exact for PNG, APNG and palette-exact GIFs; bounded error for the
median-cut GIF), the pipeline zip with Python's zipfile (CRCs via testzip) and its safetensors with
a numpy reader that follows the format spec. Run with /usr/bin/python3; exits non-zero on failure.
"""

import json
import pathlib
import struct
import sys
import zipfile

import numpy as np
from PIL import Image, ImageSequence

DIR = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/io-samples")
MODES = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}


def raw(name, i, shape):
    return np.fromfile(DIR / f"{name}.{i}.raw", dtype=np.uint8).reshape(shape)


def frames_of(name):
    with Image.open(DIR / name) as im:
        return [(np.array(f.convert("RGBA" if name.endswith(".apng") else "RGB")), f.info.get("duration"), im.info.get("loop")) for f in ImageSequence.Iterator(im)]


def check_png():
    for c in (1, 2, 3, 4):
        name = f"png_{c}ch.png"
        with Image.open(DIR / name) as im:
            assert im.mode == MODES[c], (name, im.mode)
            got = np.array(im).reshape(23, 37, c)
        assert (got == raw(name, 0, (23, 37, c))).all(), name
    with Image.open(DIR / "grid.png") as im:
        assert im.size == (8 * 3 + 2 * 2, 8 * 2 + 2), im.size
        assert (np.array(im) == raw("grid.png", 0, (18, 28, 3))).all()


def check_apng():
    frames = frames_of("anim.apng")
    assert len(frames) == 3, len(frames)
    for i, (pixels, duration, _) in enumerate(frames):
        assert (pixels == raw("anim.apng", i, (12, 20, 4))).all(), i
        assert duration == [100, 200, 300][i], duration


def check_gifs():
    gray = frames_of("gray.gif")
    assert len(gray) == 2 and gray[0][2] == 0 and gray[0][1] == 80, [g[1:] for g in gray]
    for i, (pixels, _, _) in enumerate(gray):
        want = raw("gray.gif", i, (70, 90))
        assert (pixels == np.stack([want] * 3, axis=-1)).all(), i
    exact = frames_of("rgb_exact.gif")
    assert len(exact) == 2
    for i, (pixels, _, _) in enumerate(exact):
        assert (pixels == raw("rgb_exact.gif", i, (16, 16, 3))).all(), i
    with Image.open(DIR / "rgb_exact.gif") as im:
        assert "loop" not in im.info, im.info
    (q, _, _), = frames_of("rgb_quantised.gif")
    err = np.abs(q.astype(int) - raw("rgb_quantised.gif", 0, (64, 64, 3)).astype(int)).mean()
    assert err < 12, err
    return err


def read_safetensors(data):
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8 : 8 + n])
    assert n % 8 == 0
    body = data[8 + n :]
    kinds = {"F32": "<f4", "I64": "<i8"}
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, e_ = e["data_offsets"]
        out[name] = np.frombuffer(body[b:e_], dtype=kinds[e["dtype"]]).reshape(e["shape"])
    return header, out


def check_zip():
    with zipfile.ZipFile(DIR / "pipeline.zip") as z:
        assert z.testzip() is None
        names = sorted(z.namelist())
        assert names == ["model_index.json", "scheduler/scheduler_config.json", "unet/config.json", "unet/diffusion_pytorch_model.safetensors"], names
        index = json.loads(z.read("model_index.json"))
        assert index == {"_class_name": "DDPMPipeline", "_diffusers_version": "0.21.0", "scheduler": ["diffusers", "DDPMScheduler"], "unet": ["diffusers", "UNet2DModel"]}, index
        unet = json.loads(z.read("unet/config.json"))
        assert unet["_class_name"] == "UNet2DModel" and unet["norm_eps"] == 1e-6, unet
        header, tensors = read_safetensors(z.read("unet/diffusion_pytorch_model.safetensors"))
    assert header["__metadata__"] == {"format": "pt"}
    want = np.fromfile(DIR / "conv_in.weight.f32", dtype="<f4").reshape(4, 3, 3, 3)
    assert (tensors["conv_in.weight"] == want).all()
    assert tensors["step"].tolist() == [999]


def main():
    check_png()
    check_apng()
    err = check_gifs()
    check_zip()
    print(f"all encoded samples in {DIR} read back correctly (median-cut GIF mean abs error {err:.2f})")


if __name__ == "__main__":
    main()
