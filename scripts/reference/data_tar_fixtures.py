"""Tar archives written by Python's tarfile (not by the code under test) in the three header
dialects the lab's streaming tar reader must handle: POSIX ustar (long paths split into the
prefix field), GNU (a 'L' long-name record before the entry) and pax (an 'x' extended header
with a path= record). Each holds a long-named file, a short one, a directory, a symlink and an
empty file. Writes scripts/reference/fixtures/data_tar.json: base64 gzip of each archive and
the regular files' names and contents that a reader must report.

Run: /usr/bin/python3 scripts/reference/data_tar_fixtures.py
"""
import base64
import gzip
import io
import json
import os
import tarfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, 'scripts', 'reference', 'fixtures', 'data_tar.json')

LONG_DIR = 'cifar-10-batches-bin/' + 'a-rather-long-folder-name-that-pushes-the-path-past-one-hundred-chars/'
FILES = [
    (LONG_DIR + 'second-level-folder/data_batch_1.bin.txt', b'long path contents\n' * 40),
    ('short.txt', b'hello tar'),
    ('empty.txt', b''),
    ('exactly-512.bin', bytes(range(256)) * 2),
]


def archive(fmt):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w', format=fmt) as tar:
        d = tarfile.TarInfo('cifar-10-batches-bin')
        d.type = tarfile.DIRTYPE
        d.mode = 0o755
        tar.addfile(d)
        for name, data in FILES:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo('link-to-short')
        link.type = tarfile.SYMTYPE
        link.linkname = 'short.txt'
        tar.addfile(link)
    return gzip.compress(buf.getvalue(), mtime=0)


def main():
    fixture = {
        'files': [{'name': n, 'base64': base64.b64encode(d).decode()} for n, d in FILES],
        'archives': {
            name: base64.b64encode(archive(fmt)).decode()
            for name, fmt in [('ustar', tarfile.USTAR_FORMAT), ('gnu', tarfile.GNU_FORMAT), ('pax', tarfile.PAX_FORMAT)]
        },
    }
    with open(OUT, 'w') as f:
        json.dump(fixture, f, indent=1)
        f.write('\n')
    print('wrote', OUT, os.path.getsize(OUT), 'bytes')


if __name__ == '__main__':
    main()
