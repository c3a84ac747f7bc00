"""Writes the small CIFAR-10 fixture the unit and browser tests read on a fresh clone.

A fresh clone has no ../shared/, so the tests cannot read the 32 MB subset there. This script
takes the first 16 training and the first 4 test images of each class from that subset (real
CIFAR-10 pixels) and writes them in the official *binary version* layout, as the official
archive does: cifar-10-batches-bin/{data_batch_1.bin, test_batch.bin, batches.meta.txt} in a
gzipped tar. Records keep the subset's order. Only Python's tarfile/gzip and numpy are used.

Run: /usr/bin/python3 scripts/reference/data_cifar_fixture.py
"""
import gzip
import io
import os
import tarfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SUBSET = os.path.join(ROOT, '..', 'shared', 'data', 'cifar10', 'cifar-10-binary-subset.tar.gz')
OUT = os.path.join(ROOT, 'scripts', 'reference', 'fixtures', 'cifar-10-binary-mini.tar.gz')
PER_CLASS = {'data_batch_1.bin': 16, 'test_batch.bin': 4}


def first_per_class(blob, per_class):
    """The records (3,073 bytes each) of the first `per_class` images of every label, in order."""
    rec = np.frombuffer(blob, dtype=np.uint8).reshape(-1, 3073)
    taken = np.zeros(10, dtype=np.int64)
    keep = []
    for i, label in enumerate(rec[:, 0]):
        if taken[label] < per_class:
            taken[label] += 1
            keep.append(i)
    assert (taken == per_class).all(), taken
    return rec[keep].tobytes()


def main():
    with tarfile.open(SUBSET, 'r:gz') as tar:
        members = {os.path.basename(m.name): tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
    files = {name: first_per_class(members[name], n) for name, n in PER_CLASS.items()}
    files['batches.meta.txt'] = members['batches.meta.txt']
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode='w', format=tarfile.USTAR_FORMAT) as tar:
        for name in ['data_batch_1.bin', 'test_batch.bin', 'batches.meta.txt']:
            info = tarfile.TarInfo('cifar-10-batches-bin/' + name)
            info.size = len(files[name])
            info.mtime = 0
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(files[name]))
    with open(OUT, 'wb') as f:
        # mtime=0: the same input gives the same bytes.
        f.write(gzip.compress(raw.getvalue(), compresslevel=9, mtime=0))
    print('wrote', OUT, os.path.getsize(OUT), 'bytes')


if __name__ == '__main__':
    main()
