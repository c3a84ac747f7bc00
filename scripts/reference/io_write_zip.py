"""Independent zip writer for src/io tests (run with /usr/bin/python3; standard library only).

Writes scripts/reference/fixtures/io_zip.json: a zip made by Python's zipfile (deflated and stored
entries, a directory entry, a UTF-8 name, macOS junk, one entry written through the streaming API)
as base64, and the files a reader should return (contents as base64), junk and directories left out.
"""

import base64
import io
import json
import pathlib
import zipfile

OUT = pathlib.Path(__file__).parent / "fixtures" / "io_zip.json"


def main():
    files = {
        "pipeline/model_index.json": b'{"_class_name": "DDPMPipeline"}\n',
        "pipeline/unet/config.json": b'{"sample_size": 32}\n' * 20,
        "pipeline/unet/diffusion_pytorch_model.safetensors": bytes(range(256)) * 3,
        "pipeline/r\u00e9sum\u00e9.txt": "caf\u00e9".encode("utf-8"),
        "empty.bin": b"",
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("pipeline/"), b"")
        for name, data in files.items():
            method = zipfile.ZIP_STORED if name.endswith(".safetensors") else zipfile.ZIP_DEFLATED
            z.writestr(name, data, compress_type=method)
        z.writestr("__MACOSX/pipeline/._model_index.json", b"junk")
        with z.open("pipeline/streamed.txt", "w", force_zip64=False) as f:
            f.write(b"streamed " * 50)
    files["pipeline/streamed.txt"] = b"streamed " * 50
    fixture = {
        "zip": base64.b64encode(buf.getvalue()).decode("ascii"),
        "files": {name: base64.b64encode(data).decode("ascii") for name, data in files.items()},
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(fixture, indent=1) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
