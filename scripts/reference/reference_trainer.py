"""Independent PyTorch reference trainer: trains a lab run preset's config with DDPM's Algorithm 1
and writes the loss curve (every step, every seed) and the loss per t at a few steps to
public/reference/<preset>.json, with its provenance. The lab draws it as the reference band
behind a live run (src/clinic/referenceBand.ts).

Nothing here reads the TypeScript trainer. The U-Net is unet_reference.py's (diffusers
UNet2DModel semantics, written from docs/ddpm.md §2); the recipe is written from docs/ddpm.md and
training_reference.py's formulas:
  - DDPM initialisation (nn.py default_init: variance scaling fan_avg, uniform; resnet conv2, the
    attention output projection and conv_out at scale 1e-10; biases 0, norms 1/0);
  - betas linear (beta_start..beta_end over T, scaled by 1000/T when scale_betas_to_T is on and
    T != 1000), alpha_bar = cumprod(1 - beta); t ~ U{0..T-1} per example (one per batch with
    sharedT); x_t = sqrt(ab) x0 + sqrt(1 - ab) eps; loss = plain MSE against eps (L_simple);
  - inputs: bytes/127.5 - 1 ("unit"), per-channel mean 0 / std 1 ("meanstd") or bytes/255
    ("zero-one"); random horizontal flips when the config and the dataset allow them;
  - Adam (torch.optim.Adam, betas 0.9/0.999, eps 1e-8) at lr * min(1, n / warmup) for the 0-based
    step n (the paper's get_warmed_up_lr, the lab's since issue 20);
    TF's clip_by_global_norm; doubleOptimizerStep calls optimizer.step() twice on the same
    (clipped) gradients, as the learner's script does;
  - EMA ema = d ema + (1 - d) w with d_n = min(decay, (1 + n) / (10 + n)) under emaWarmup, else the
    paper's make_ema (1e-10 for the first update, then decay). The EMA does not change the loss.
The loss per t is the lab's definition (src/training/lossPerT.ts): 20 buckets over [0, T), each
the mean of the last 256 per-example losses that fell in it.

Inputs come from reference_inputs.ts (the preset's resolved config; Shapes images as the lab
generates them); MNIST / Fashion-MNIST are read from public/datasets here (idx, gzip) and
padded 28 -> 32 with zeros, centred.

Run (or `npm run reference -- --preset NAME --steps N [--seeds 0,1,2]`):
  npx tsx scripts/reference/reference_inputs.ts --preset mnist --out /tmp/ref-mnist
  /usr/bin/python3 scripts/reference/reference_trainer.py --inputs /tmp/ref-mnist --steps 2000 --seeds 0,1,2
"""

import argparse
import datetime
import gzip
import json
import math
import os
import platform
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from unet_reference import Attention, Resnet, UNet  # noqa: E402

BUCKETS, WINDOW = 20, 256
LOG_EVERY = int(os.environ.get("REFERENCE_LOG_EVERY", "100"))
IDX_FILES = {
    "mnist": "datasets/mnist/mnist-images-idx3-ubyte.gz",
    "fashion-mnist": "datasets/fashion-mnist/t10k-images-idx3-ubyte.gz",
}


def read_idx_images(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic, n, h, w = (int.from_bytes(raw[i : i + 4], "big") for i in range(0, 16, 4))
    assert magic == 2051, f"{path}: not an idx3 image file"
    return np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, h, w, 1)


def read_cifar10(path):
    """The official cifar-10-binary.tar.gz (or its folder): data_batch_1..5, each record 1 label byte + 3072 CHW bytes."""
    import tarfile

    chunks = []
    if os.path.isdir(path):
        for i in range(1, 6):
            with open(os.path.join(path, f"data_batch_{i}.bin"), "rb") as f:
                chunks.append(f.read())
    else:
        with tarfile.open(path) as tar:
            members = sorted((m for m in tar.getmembers() if os.path.basename(m.name).startswith("data_batch_")),
                             key=lambda m: m.name)
            chunks = [tar.extractfile(m).read() for m in members]
    raw = np.frombuffer(b"".join(chunks), dtype=np.uint8).reshape(-1, 3073)
    return raw[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).copy()


def load_images(inputs, config, cifar_path=None):
    """uint8 [N, H, W, C] at the model's side, and whether flips are allowed."""
    dataset, side = config["data"]["dataset"], config["model"]["sample_size"]
    if dataset == "cifar10":
        if not cifar_path:
            raise SystemExit("cifar10: give the official cifar-10-binary.tar.gz (or its folder) with --data PATH")
        if config["data"]["classFilter"] is not None:
            raise SystemExit("cifar10: the reference trainer takes no class filter")
        return read_cifar10(cifar_path), True
    if dataset in IDX_FILES:
        imgs = read_idx_images(os.path.join(ROOT, "public", IDX_FILES[dataset]))
        top, left = (side - imgs.shape[1]) // 2, (side - imgs.shape[2]) // 2
        out = np.zeros((imgs.shape[0], side, side, 1), dtype=np.uint8)
        out[:, top : top + imgs.shape[1], left : left + imgs.shape[2]] = imgs
        return out, False  # digits are never flipped
    meta_path = os.path.join(inputs, "images.json")
    if not os.path.exists(meta_path):
        raise SystemExit(f"{dataset}: the reference trainer reads MNIST, Fashion-MNIST and Shapes only")
    with open(meta_path) as f:
        meta = json.load(f)
    raw = np.fromfile(os.path.join(inputs, "images.u8"), dtype=np.uint8)
    return raw.reshape(meta["count"], meta["height"], meta["width"], meta["channels"]), meta["allowsFlip"]


def to_inputs(images_u8, kind):
    """Byte -> model input map per channel: (scale, offset) with x = byte * scale + offset."""
    c = images_u8.shape[3]
    if kind == "unit":
        return np.full(c, 2 / 255), np.full(c, -1.0)
    if kind == "zero-one":
        return np.full(c, 1 / 255), np.zeros(c)
    if kind == "meanstd":
        x = images_u8.reshape(-1, c).astype(np.float64) / 255
        mean, std = x.mean(0), x.std(0)
        return 1 / (255 * std), -mean / std
    raise SystemExit(f"unknown training.normalization {kind!r}")


def betas_of(scheduler):
    T = scheduler["num_train_timesteps"]
    if scheduler["beta_schedule"] != "linear":
        raise SystemExit("the reference trainer implements linear betas only")
    return torch.linspace(scheduler["beta_start"], scheduler["beta_end"], T, dtype=torch.float64)


def ddpm_init(model, gen):
    """nn.py default_init: U(-a, a), a = sqrt(3 scale / ((fan_in + fan_out) / 2)); zero-init layers at 1e-10."""
    zero_init = set()
    for name, mod in model.named_modules():
        if isinstance(mod, Resnet):
            zero_init.add(f"{name}.conv2.weight")
        if isinstance(mod, Attention):
            zero_init.add(f"{name}.to_out.0.weight")
    zero_init.add("conv_out.weight")
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 1:
                p.fill_(1.0 if ("norm" in name and name.endswith("weight")) else 0.0)
                continue
            receptive = p[0, 0].numel() if p.dim() > 2 else 1
            fan_in, fan_out = p.shape[1] * receptive, p.shape[0] * receptive
            scale = 1e-10 if name in zero_init else 1.0
            a = math.sqrt(3 * scale / ((fan_in + fan_out) / 2))
            p.copy_((torch.rand(p.shape, generator=gen, dtype=torch.float64) * 2 - 1) * a)


def with_dropout(model, p):
    """unet_reference's resnets have no dropout (its fixtures use 0); add it before conv2 as diffusers does."""
    if p == 0:
        return

    def forward(self, x, temb):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.time_emb_proj(F.silu(temb))[:, :, None, None]
        h = self.conv2(F.dropout(F.silu(self.norm2(h)), p, self.training))
        if self.conv_shortcut is not None:
            x = self.conv_shortcut(x)
        return x + h

    for mod in model.modules():
        if isinstance(mod, Resnet):
            mod.forward = forward.__get__(mod, Resnet)


class LossPerT:
    def __init__(self, T):
        self.T, self.windows = T, [[] for _ in range(BUCKETS)]

    def add(self, ts, losses):
        for t, l in zip(ts, losses):
            w = self.windows[min(BUCKETS - 1, (t * BUCKETS) // self.T)]
            w.append(l)
            if len(w) > WINDOW:
                w.pop(0)

    def snapshot(self):
        return [round(sum(w) / len(w), 6) if w else None for w in self.windows]


def train(config, scheduler, images_u8, allows_flip, steps, seed, snapshot_steps, log, progress, device="cpu"):
    model_cfg = {k: v for k, v in config["model"].items() if k not in ("preset", "init")}
    tr = config["training"]
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = UNet(model_cfg)
    with_dropout(model, model_cfg.get("dropout", 0) or 0)
    if config["model"]["init"] == "ddpm":
        ddpm_init(model, gen)
    model.to(device).train()
    params = list(model.parameters())
    opt = torch.optim.Adam(params, lr=tr["lr"], betas=(0.9, 0.999), eps=1e-8)
    ema = [p.detach().clone() for p in params] if tr["useEma"] else None
    ab = torch.cumprod(1 - betas_of(scheduler), 0)
    T = len(ab)
    sqrt_ab, sqrt_1mab = ab.sqrt().float().to(device), (1 - ab).sqrt().float().to(device)
    scale, offset = to_inputs(images_u8, tr["normalization"])
    scale_t = torch.tensor(scale, dtype=torch.float32, device=device)[None, :, None, None]
    offset_t = torch.tensor(offset, dtype=torch.float32, device=device)[None, :, None, None]
    data = torch.from_numpy(images_u8.transpose(0, 3, 1, 2).copy())  # NCHW bytes
    flip = tr["flip"] and allows_flip
    B, N = tr["batchSize"], data.shape[0]
    order, cursor = torch.randperm(N, generator=gen), 0
    per_t = LossPerT(T)
    losses, snapshots = [], []
    start = time.time()
    for n in range(steps):
        if cursor + B > N:  # a fresh order each epoch; the last partial batch is dropped, as the lab does
            order, cursor = torch.randperm(N, generator=gen), 0
        idx = order[cursor : cursor + B]
        cursor += B
        x0 = data[idx].to(device).float() * scale_t + offset_t
        if flip:
            mask = torch.rand(B, generator=gen) < 0.5
            x0 = torch.where(mask.to(device)[:, None, None, None], x0.flip(3), x0)
        t = torch.full((B,), int(torch.randint(T, (1,), generator=gen)), dtype=torch.long) if tr["sharedT"] \
            else torch.randint(T, (B,), generator=gen)
        t = t.to(device)
        eps = torch.randn(x0.shape, generator=gen).to(device)
        xt = sqrt_ab[t][:, None, None, None] * x0 + sqrt_1mab[t][:, None, None, None] * eps
        pred = model(xt, t.float())
        per_example = ((pred - eps) ** 2).mean(dim=(1, 2, 3))
        loss = per_example.mean()
        opt.zero_grad()
        loss.backward()
        with torch.no_grad():
            norm = float(torch.sqrt(sum((p.grad.double() ** 2).sum() for p in params)))
            if tr["gradClipNorm"] is not None:
                c = tr["gradClipNorm"]
                for p in params:
                    p.grad.mul_(c / max(norm, c))
        lr = tr["lr"] * min(1.0, n / tr["warmupSteps"]) if tr["warmupSteps"] > 0 else tr["lr"]
        for group in opt.param_groups:
            group["lr"] = lr
        opt.step()
        if tr.get("doubleOptimizerStep"):
            opt.step()  # the learner's second optimizer.step() on the same gradients
        if ema is not None:
            d = min(tr["emaDecay"], (1 + n) / (10 + n)) if tr.get("emaWarmup", True) else (1e-10 if n == 0 else tr["emaDecay"])
            with torch.no_grad():
                for e, p in zip(ema, params):
                    e.mul_(d).add_(p.detach() * (1 - d))
        value = float(loss)
        if not math.isfinite(value):
            raise SystemExit(f"seed {seed}: non-finite loss at step {n + 1}")
        losses.append(round(value, 6))
        per_t.add(t.tolist(), per_example.detach().tolist())
        if n + 1 in snapshot_steps:
            snapshots.append({"step": n + 1, "mean": per_t.snapshot()})
        if (n + 1) % LOG_EVERY == 0 or n + 1 == steps:
            log(f"seed {seed} step {n + 1}/{steps} loss {value:.5f} ({time.time() - start:.0f} s)")
            progress({"seed": seed, "loss": losses, "lossPerT": snapshots, "seconds": round(time.time() - start, 1)})
    return {"seed": seed, "loss": losses, "lossPerT": snapshots, "seconds": round(time.time() - start, 1)}


def snapshot_steps_of(steps):
    """Loss per t at every tenth of the run (a run cut short still has the ones it reached)."""
    return sorted({max(1, steps * k // 10) for k in range(1, 11)})


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            names = [l.split(":", 1)[1].strip() for l in f if l.startswith("model name")]
        if names:
            cpu = f"{names[0]} ({len(names)} logical CPUs)"
    except OSError:
        pass
    blas = "reference BLAS"
    try:  # Debian's torch links libblas.so.3: the reference BLAS, or OpenBLAS (10x faster attention) when installed
        with open("/proc/self/maps") as f:
            if "openblas" in f.read():
                blas = "OpenBLAS"
    except OSError:
        pass
    gpu = f", {torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else ""
    return (f"{platform.system()} {platform.release()}, {cpu}{gpu}, Python {platform.python_version()}, "
            f"torch {torch.__version__} ({blas}), {torch.get_num_threads()} thread(s)")


def write_result(out, preset, config, steps, runs, command, machine_text, images):
    """The JSON the lab reads; a run still going is written as far as it got (its loss list is shorter)."""
    reached = min(len(r["loss"]) for r in runs)
    seeds = [r["seed"] for r in runs]
    result = {
        "format": "diffusion-lab-reference",
        "version": 1,
        "preset": preset,
        "config": config,
        "steps": reached,
        "seeds": seeds,
        "runs": runs,
        "provenance": {
            "command": command,
            "trainer": "scripts/reference/reference_trainer.py (PyTorch, float32, CPU)",
            "seeds": seeds,
            "steps": reached,
            "plannedSteps": steps,
            "images": images,
            "machine": machine_text,
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%MZ"),
            "seconds": round(sum(r["seconds"] for r in runs), 1),
        },
    }
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(result, f, separators=(",", ":"))
    os.replace(tmp, out)


def merge(paths, out):
    """One file from several (e.g. one seed per process, run in parallel); every run is cut to the shortest."""
    parts = []
    for p in paths:
        with open(p) as f:
            parts.append(json.load(f))
    runs = [r for part in parts for r in part["runs"]]
    reached = min(len(r["loss"]) for r in runs)
    for r in runs:
        r["loss"] = r["loss"][:reached]
        r["lossPerT"] = [s for s in r["lossPerT"] if s["step"] <= reached]
    first = parts[0]
    prov = first["provenance"]
    command = " && ".join(p["provenance"]["command"] for p in parts)
    write_result(out, first["preset"], first["config"], prov["plannedSteps"], runs, command, prov["machine"], prov["images"])
    print(f"wrote {out}: seeds {[r['seed'] for r in runs]}, {reached} steps")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--inputs", help="folder written by reference_inputs.ts")
    ap.add_argument("--steps", type=int)
    ap.add_argument("--seeds", default="0", help="comma-separated, e.g. 0,1,2")
    ap.add_argument("--out", help="default public/reference/<preset>.json")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--command", help="the command line to record in the provenance")
    ap.add_argument("--merge", nargs="+", help="merge these result files into --out instead of training")
    ap.add_argument("--data", help="cifar10 presets: the official cifar-10-binary.tar.gz or its folder")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu", help="cpu or cuda")
    args = ap.parse_args()
    if args.merge:
        merge(args.merge, args.out)
        return
    if not args.inputs or not args.steps:
        ap.error("--inputs and --steps are required")
    torch.set_num_threads(args.threads)
    with open(os.path.join(args.inputs, "config.json")) as f:
        inputs = json.load(f)
    preset, config, scheduler = inputs["preset"], inputs["config"], inputs["scheduler"]
    seeds = [int(s) for s in args.seeds.split(",")]
    images, allows_flip = load_images(args.inputs, config, args.data)
    out = args.out or os.path.join(ROOT, "public", "reference", f"{preset}.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    command = args.command or " ".join([sys.executable] + sys.argv)
    machine_text = machine() + f", device {args.device}"
    done = []

    def progress(partial):
        write_result(out, preset, config, args.steps, done + [partial], command, machine_text, int(images.shape[0]))

    for s in seeds:
        done.append(train(config, scheduler, images, allows_flip, args.steps, s, snapshot_steps_of(args.steps),
                          lambda msg: print(msg, flush=True), progress, args.device))
    write_result(out, preset, config, args.steps, done, command, machine_text, int(images.shape[0]))
    print(f"wrote {out} ({os.path.getsize(out)} bytes)")


if __name__ == "__main__":
    main()
