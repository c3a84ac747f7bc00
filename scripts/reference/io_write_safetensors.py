"""Independent safetensors writer for src/io tests (run with /usr/bin/python3: torch + numpy).

Writes scripts/reference/fixtures/io_safetensors.json with two files, base64-encoded:

- `mixed`: every dtype the reader decodes (F16 and BF16 rounded by torch), a scalar, an empty
  tensor and a tensor holding inf/nan, with the data section deliberately laid out in a different
  order than the header keys. `expected` gives each tensor's dtype, shape and values as float32
  (non-finite values spelled "Infinity", "-Infinity", "NaN" since JSON has no such numbers).
- `layout`: F32 and I64 tensors laid out the way the reference Rust writer does (dtype size
  descending, then name; compact JSON; header padded with spaces to 8 bytes), so the TypeScript
  writer can be compared byte for byte. `layout_tensors` gives its inputs.
"""

import base64
import json
import math
import pathlib
import struct

import numpy as np
import torch

OUT = pathlib.Path(__file__).parent / "fixtures" / "io_safetensors.json"


def to_bytes(name, t):
    """Little-endian bytes and the safetensors dtype of a torch tensor."""
    if t.dtype == torch.bfloat16:
        return t.contiguous().view(torch.int16).numpy().astype("<i2").tobytes(), "BF16"
    np_dtype, code = {
        torch.float64: ("<f8", "F64"),
        torch.float32: ("<f4", "F32"),
        torch.float16: ("<f2", "F16"),
        torch.int64: ("<i8", "I64"),
        torch.int32: ("<i4", "I32"),
        torch.int16: ("<i2", "I16"),
        torch.int8: ("i1", "I8"),
        torch.uint8: ("u1", "U8"),
        torch.bool: ("u1", "BOOL"),
    }[t.dtype]
    return t.contiguous().numpy().astype(np_dtype).tobytes(), code


def finite_or_name(v):
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return v


def build(tensors, data_order, metadata):
    """A safetensors file whose data section follows `data_order`, header keys sorted by name."""
    header, blobs, offset = {}, {}, 0
    for name in data_order:
        raw, code = to_bytes(name, tensors[name])
        blobs[name] = raw
        header[name] = {"dtype": code, "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
    ordered = {"__metadata__": metadata} if metadata else {}
    ordered.update({k: header[k] for k in sorted(header)})
    text = json.dumps(ordered, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs[n] for n in data_order)


def mixed():
    g = torch.Generator().manual_seed(0)
    tensors = {
        "f32.weight": torch.tensor([[0.1, -2.5, 3.14159], [1e-8, 65504.0, -0.0]], dtype=torch.float32),
        "f16.weight": torch.tensor([0.1, -1 / 3, 65504.0, 6e-8, 1e-5, -7.25], dtype=torch.float32).half(),
        "bf16.weight": (torch.randn(2, 3, generator=g) * 10).bfloat16(),
        "f64.bias": torch.tensor([1 / 3, -1e-300, 2.0**30 + 0.5], dtype=torch.float64),
        "timestep": torch.tensor([0, 999, -7], dtype=torch.int64),
        "i32.count": torch.tensor([[42], [-2**31]], dtype=torch.int32),
        "i16.x": torch.tensor([-32768, 32767], dtype=torch.int16),
        "i8.x": torch.tensor([-128, 5, 127], dtype=torch.int8),
        "u8.x": torch.tensor([0, 200, 255], dtype=torch.uint8),
        "bool.mask": torch.tensor([True, False, True]),
        "scalar": torch.tensor(2.5, dtype=torch.float32),
        "empty": torch.zeros(0, 4, dtype=torch.float32),
        "bad.values": torch.tensor([1.0, float("inf"), float("-inf"), float("nan")], dtype=torch.float32),
    }
    # Data laid out in reverse name order, unlike the header's keys: the reader must follow offsets.
    data_order = sorted(tensors, reverse=True)
    raw = build(tensors, data_order, {"format": "pt", "note": "written by io_write_safetensors.py"})
    expected = {}
    for name, t in tensors.items():
        expected[name] = {
            "dtype": to_bytes(name, t)[1],
            "shape": list(t.shape),
            "values": [finite_or_name(v) for v in t.float().flatten().tolist()],
        }
    return raw, expected


def layout():
    tensors = {
        "conv_in.weight": torch.arange(-6, 6, dtype=torch.float32).reshape(2, 3, 2, 1) / 4,
        "conv_in.bias": torch.tensor([0.5], dtype=torch.float32),
        "a.first": torch.tensor([1.0, 2.0, 3.0], dtype=torch.float32),
        "step": torch.tensor([12345, -1], dtype=torch.int64),
    }
    # The Rust writer: larger dtypes first (I64 before F32), then by name.
    order = sorted(tensors, key=lambda n: (-tensors[n].element_size(), n))
    header = {}
    offset = 0
    for n in order:
        size = tensors[n].numel() * tensors[n].element_size()
        header[n] = {"dtype": to_bytes(n, tensors[n])[1], "shape": list(tensors[n].shape), "data_offsets": [offset, offset + size]}
        offset += size
    text = json.dumps({"__metadata__": {"format": "pt"}, **header}, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    raw = struct.pack("<Q", len(text)) + text + b"".join(to_bytes(n, tensors[n])[0] for n in order)
    inputs = {
        n: {"dtype": to_bytes(n, t)[1], "shape": list(t.shape), "values": t.flatten().tolist()} for n, t in tensors.items()
    }
    return raw, inputs


def main():
    mixed_raw, expected = mixed()
    layout_raw, layout_tensors = layout()
    fixture = {
        "mixed": base64.b64encode(mixed_raw).decode("ascii"),
        "expected": expected,
        "metadata": {"format": "pt", "note": "written by io_write_safetensors.py"},
        "layout": base64.b64encode(layout_raw).decode("ascii"),
        "layout_metadata": {"format": "pt"},
        "layout_tensors": layout_tensors,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(fixture, indent=1) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
