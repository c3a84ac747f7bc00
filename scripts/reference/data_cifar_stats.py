"""Independent reference numbers for the data loaders' tests (src/data/*.test.ts).

Reads the CIFAR-10 archives (the committed fixture cifar-10-binary-mini.tar.gz, which the
tests read on a fresh clone, and the 32 MB subset in ../shared/data, which only
`npm run test:shared` reads) with Python's tarfile + gzip and numpy (not the code under test), and the Fashion-MNIST t10k idx files with gzip + numpy, and writes
scripts/reference/fixtures/data_stats.json: counts, label histograms, per-channel mean/std of
pixel/255 (population std, ddof=0) and a few raw pixels in HWC order.

Run: /usr/bin/python3 scripts/reference/data_cifar_stats.py
"""
import gzip
import json
import os
import tarfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CIFAR_SUBSET = os.path.join(ROOT, '..', 'shared', 'data', 'cifar10', 'cifar-10-binary-subset.tar.gz')
CIFAR_MINI = os.path.join(ROOT, 'scripts', 'reference', 'fixtures', 'cifar-10-binary-mini.tar.gz')
FASHION = '/usr/share/datasets/fashion-mnist'
OUT = os.path.join(ROOT, 'scripts', 'reference', 'fixtures', 'data_stats.json')


def stats(images_hwc):
    """Per-channel mean and std of pixel/255 over all images and pixels (float64)."""
    x = images_hwc.astype(np.float64) / 255.0
    flat = x.reshape(-1, x.shape[-1])
    return flat.mean(axis=0).tolist(), flat.std(axis=0).tolist()


def split_summary(images_hwc, labels, n_classes):
    mean, std = stats(images_hwc)
    return {
        'count': int(labels.shape[0]),
        'label_histogram': np.bincount(labels, minlength=n_classes).tolist(),
        'mean': mean,
        'std': std,
        'first_label': int(labels[0]),
        # First image, first row, first 8 pixels, HWC (R, G, B per pixel for CIFAR).
        'first_pixels': images_hwc[0, 0, :8].reshape(-1).tolist(),
        'last_label': int(labels[-1]),
        # Last image, last row, last 4 pixels.
        'last_pixels': images_hwc[-1, -1, -4:].reshape(-1).tolist(),
    }


def cifar(path):
    with tarfile.open(path, 'r:gz') as tar:
        members = {os.path.basename(m.name): tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
    names = [line.strip() for line in members['batches.meta.txt'].decode().splitlines() if line.strip()]

    def batch(blob):
        rec = np.frombuffer(blob, dtype=np.uint8).reshape(-1, 3073)
        labels = rec[:, 0].astype(np.int64)
        chw = rec[:, 1:].reshape(-1, 3, 32, 32)
        return chw.transpose(0, 2, 3, 1), labels

    train_keys = sorted(k for k in members if k.startswith('data_batch_'))
    parts = [batch(members[k]) for k in train_keys]
    train_x = np.concatenate([p[0] for p in parts])
    train_y = np.concatenate([p[1] for p in parts])
    test_x, test_y = batch(members['test_batch.bin'])
    return {
        'class_names': names,
        'train': split_summary(train_x, train_y, len(names)),
        'test': split_summary(test_x, test_y, len(names)),
    }


def fashion_t10k():
    with gzip.open(os.path.join(FASHION, 't10k-images-idx3-ubyte.gz')) as f:
        raw = f.read()
    magic, n, h, w = np.frombuffer(raw[:16], dtype='>u4')
    assert magic == 0x803, hex(magic)
    images = np.frombuffer(raw[16:], dtype=np.uint8).reshape(n, h, w, 1)
    with gzip.open(os.path.join(FASHION, 't10k-labels-idx1-ubyte.gz')) as f:
        raw = f.read()
    labels = np.frombuffer(raw[8:], dtype=np.uint8).astype(np.int64)
    out = split_summary(images, labels, 10)
    # Row 14 (the middle) of the first image: the edges of a 28x28 item are mostly background.
    out['first_middle_row'] = images[0, 14, :, 0].tolist()
    return out


def main():
    fixture = {
        'cifar_mini': cifar(CIFAR_MINI),
        'cifar_subset': cifar(CIFAR_SUBSET),
        'fashion_t10k': fashion_t10k(),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump(fixture, f, indent=1)
        f.write('\n')
    print('wrote', OUT)


if __name__ == '__main__':
    main()
