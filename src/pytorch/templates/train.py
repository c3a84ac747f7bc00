#!/usr/bin/env python3
"""Continue a Diffusion Lab run with Hugging Face diffusers and accelerate.

Written by Diffusion Lab's "Export for PyTorch". The run's own settings live beside this file:
run.json (the lab's run config), config/unet_config.json (diffusers' UNet2DModel config),
config/scheduler_config.json (DDPMScheduler), project.json (the dataset) and lab_state.safetensors
(the lab's weights, EMA weights and Adam moments by diffusers parameter name, PyTorch layout).

One optimiser step is the lab's (Ho et al. 2020, Algorithm 1): a global batch of `batchSize`
images (split evenly across the processes accelerate launches), random horizontal flips where the
dataset allows them, t ~ U{0..T-1} per example (or one t for the batch with `sharedT`), x_t from
the scheduler's alphas_cumprod, the MSE against the configured target, gradients clipped to a
global norm, Adam (beta 0.9/0.999, eps 1e-8) with the paper's linear warm-up lr(n) = lr * min(1, n/warmup)
(n counted from 0, so the first step's lr is 0), and an EMA of the weights (diffusers' EMAModel with the
lab's decay: the paper's, where the first update copies the weights and every later one uses
emaDecay, or with `emaWarmup` min(emaDecay, (1+n)/(10+n))).

    accelerate launch train.py                         # one GPU (or CPU)
    accelerate launch --multi_gpu --num_processes 8 train.py

Checkpoints go to OUTPUT/checkpoints/step-XXXXXXXX/: a diffusers DDPMPipeline folder
(model_index.json, unet/ with the EMA weights, scheduler/) that `DDPMPipeline.from_pretrained`
and the lab's Import both load, plus training_state.safetensors (raw and EMA weights, Adam
moments, counters) from which this script resumes. OUTPUT/metrics.csv has the lab's columns.
"""

import argparse
import csv
import json
import math
import struct
import sys
import tarfile
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent

STATE_FORMAT = "diffusion-lab-torch-state"
STATE_VERSION = 1
STATE_META_KEY = "diffusion_lab_torch_state"
PREFIX = {
    "unet": "unet/",
    "ema": "ema/",
    "exp_avg": "optimizer.exp_avg/",
    "exp_avg_sq": "optimizer.exp_avg_sq/",
}
ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8
# The paper's first EMA update (make_ema: decay 1e-10 at global_step 0) copies the weights.
FIRST_UPDATE_DECAY = 1e-10
# The lab's chart smoothing (an EMA of the loss with bias correction) and its loss-per-t buckets.
SMOOTHING_BETA = 0.98
LOSS_PER_T_BUCKETS = 20
LOSS_PER_T_WINDOW = 256
CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
# Independent random streams per step: derived from (seed, step), never from the process count.
STREAM_STRIDE = 2**32


# ----------------------------------------------------------------------------------------------
# The run's settings


def load_project(project_dir):
    """run.json, project.json and the two diffusers configs, as dicts."""
    read = lambda name: json.loads((project_dir / name).read_text(encoding="utf-8"))
    project = read("project.json")
    if project.get("format") != "diffusion-lab-pytorch-project":
        raise SystemExit(f"{project_dir / 'project.json'} is not a Diffusion Lab PyTorch project")
    return {
        "run": read("run.json"),
        "project": project,
        "unet": read("config/unet_config.json"),
        "scheduler": read("config/scheduler_config.json"),
    }


def learning_rate(lr, warmup_steps, n):
    """The lr of step n (0-based): the lab's (and the paper's get_warmed_up_lr) linear warm-up,
    lr * min(1, n/warmup), so the first step's lr is 0."""
    return lr * min(1.0, n / warmup_steps) if warmup_steps > 0 else lr


def ema_decay_at(decay, n, warmup):
    """The decay of EMA update n (0-based: the update after step n + 1), the lab's emaDecayAt.
    Without `warmup` the paper's make_ema: FIRST_UPDATE_DECAY (the update copies the weights), then
    the constant `decay`; with it TensorFlow's num_updates warm-up, min(decay, (1+n)/(10+n))."""
    if warmup:
        return min(decay, (1 + n) / (10 + n))
    return FIRST_UPDATE_DECAY if n < 1 else decay


def lab_ema_model(ema_model_class):
    """diffusers' EMAModel with the lab's decay. EMAModel.step adds 1 to optimization_step and then
    asks get_decay(optimization_step), so update n asks for n + 1; diffusers' own rule would give
    the first update decay 0 and no choice of warm-up."""

    class LabEMAModel(ema_model_class):
        def __init__(self, parameters, decay, warmup):
            super().__init__(parameters, decay=decay)
            self.lab_warmup = warmup

        def get_decay(self, optimization_step):
            return ema_decay_at(self.decay, optimization_step - 1, self.lab_warmup)

    return LabEMAModel


# ----------------------------------------------------------------------------------------------
# Data: uint8 images N x H x W x C, as the lab trains on them


def class_index(names, cls):
    """A class given by name (case-insensitive) or index, as the lab's class filter reads it."""
    text = str(cls).strip()
    lowered = [n.lower() for n in names]
    if text.lower() in lowered:
        return lowered.index(text.lower())
    if text.isdigit() and int(text) < len(names):
        return int(text)
    raise SystemExit(f"class filter {cls!r} is not a class; classes are {', '.join(names)}")


def read_cifar10(path):
    """The CIFAR-10 train split from the official archive: the binary version (cifar-10-binary.tar.gz,
    what the lab reads) or the Python version (cifar-10-python.tar.gz). Returns (images, labels)."""
    images, labels = [], []
    with tarfile.open(path, "r:gz") as tar:
        members = sorted((m for m in tar.getmembers() if m.isfile()), key=lambda m: m.name)
        binary = [m for m in members if Path(m.name).name.startswith("data_batch_") and m.name.endswith(".bin")]
        python = [m for m in members if Path(m.name).name.startswith("data_batch_") and "." not in Path(m.name).name]
        if binary:
            for m in binary:
                raw = np.frombuffer(tar.extractfile(m).read(), dtype=np.uint8).reshape(-1, 3073)
                labels.append(raw[:, 0])
                images.append(raw[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
        elif python:
            import pickle  # the official Python archive is pickled numpy arrays

            for m in python:
                batch = pickle.load(tar.extractfile(m), encoding="latin1")
                labels.append(np.asarray(batch["labels"], dtype=np.uint8))
                images.append(np.asarray(batch["data"], dtype=np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
        else:
            raise SystemExit(f"{path} holds no data_batch_* files: expected cifar-10-binary.tar.gz or cifar-10-python.tar.gz")
    return np.ascontiguousarray(np.concatenate(images)), np.concatenate(labels)


def load_images(settings, project_dir, cifar10_path=None):
    """The run's training images (class filter applied, fitted to sample_size) and whether flips are allowed."""
    data = settings["project"]["dataset"]
    side = settings["unet"]["sample_size"]
    if data["kind"] == "npz":
        # The exact pixels the lab trained on: filtered and padded/resized by the lab.
        with np.load(project_dir / data["path"]) as npz:
            images = npz["images"]
    elif data["kind"] == "cifar10":
        path = Path(cifar10_path or project_dir / data["archive"])
        if not path.is_file():
            raise SystemExit(
                f"CIFAR-10 archive not found at {path}: download {data['url']} and put it there or pass --cifar10 PATH"
            )
        images, labels = read_cifar10(path)
        cls = settings["run"]["data"]["classFilter"]
        if cls is not None:
            images = images[labels == class_index(CIFAR10_CLASSES, cls)]
        if side != 32:
            raise SystemExit(f"CIFAR-10 images are 32x32 but the model's sample_size is {side}")
    else:
        raise SystemExit(f"project.json: unknown dataset kind {data['kind']!r}")
    if images.ndim != 4 or images.dtype != np.uint8 or images.shape[1:3] != (side, side):
        raise SystemExit(f"dataset images have shape {images.shape} ({images.dtype}); expected N x {side} x {side} x C uint8")
    if images.shape[3] != settings["unet"]["in_channels"]:
        raise SystemExit(f"dataset has {images.shape[3]} channel(s), the model takes {settings['unet']['in_channels']}")
    batch = settings["run"]["training"]["batchSize"]
    if len(images) < batch:
        raise SystemExit(f"the dataset has {len(images)} images, fewer than the batch size {batch}")
    return images, bool(data["allows_flip"])


def normalization(images, kind):
    """Per-channel (scale, offset) with x = byte * scale + offset: the paper's [-1, 1] ("unit"),
    or mean 0 / std 1 per channel over the whole split ("meanstd"), as the lab computes them."""
    channels = images.shape[3]
    if kind == "unit":
        return [2 / 255] * channels, [-1.0] * channels
    flat = images.reshape(-1, channels).astype(np.int64)
    n = flat.shape[0]
    total = flat.sum(axis=0)
    squares = (flat * flat).sum(axis=0)
    mean = [float(s) / n / 255 for s in total]
    std = [math.sqrt(max(0.0, float(s2) / n - (float(s) / n) ** 2)) / 255 for s, s2 in zip(total, squares)]
    if any(s == 0 for s in std):
        raise SystemExit("a channel has zero variance; mean/std normalisation is undefined")
    return [1 / (255 * s) for s in std], [-m / s for m, s in zip(mean, std)]


class BatchOrder:
    """Batches without replacement in a fresh random order each epoch (the last partial batch of an
    epoch dropped), like the lab. The permutation of epoch e is torch's, seeded by (seed, e): the
    lab's own generator is not reproduced, so a resumed epoch continues at the lab's cursor in a
    re-drawn order."""

    def __init__(self, count, batch_size, seed, epoch=0, cursor=0):
        self.count, self.batch_size, self.seed = count, batch_size, seed
        self.epoch, self.cursor = epoch, cursor
        self.order = self._permutation(epoch)

    def _permutation(self, epoch):
        g = torch.Generator().manual_seed(self.seed * 2**20 + epoch)
        return torch.randperm(self.count, generator=g)

    def next(self):
        if self.cursor + self.batch_size > self.count:
            self.epoch += 1
            self.cursor = 0
            self.order = self._permutation(self.epoch)
        batch = self.order[self.cursor : self.cursor + self.batch_size]
        self.cursor += self.batch_size
        return batch

    def state(self):
        return {"epoch": self.epoch, "cursor": self.cursor}


def step_randomness(seed, step, batch, timesteps, shape, shared_t, flip):
    """t, noise and flips of the whole global batch of step `step`, from one generator seeded by
    (seed, step): every process draws the same and takes its slice, so 1 or 8 GPUs train alike."""
    g = torch.Generator().manual_seed((seed * STREAM_STRIDE + step) % 2**63)
    if shared_t:
        t = torch.randint(0, timesteps, (1,), generator=g).expand(batch).clone()
    else:
        t = torch.randint(0, timesteps, (batch,), generator=g)
    eps = torch.randn((batch, *shape), generator=g)
    flips = torch.rand((batch,), generator=g) < 0.5 if flip else torch.zeros(batch, dtype=torch.bool)
    return t, eps, flips


def model_inputs(images, indices, flips, scale, offset):
    """uint8 NHWC images at `indices` -> float NCHW model inputs (flipped left-right where asked)."""
    x = images[indices].permute(0, 3, 1, 2).float()
    x = torch.where(flips.view(-1, 1, 1, 1), x.flip(3), x)
    return x * scale.view(1, -1, 1, 1) + offset.view(1, -1, 1, 1)


def regression_target(scheduler, x0, eps, t, prediction_type):
    if prediction_type == "epsilon":
        return eps
    if prediction_type == "sample":
        return x0
    if prediction_type == "v_prediction":
        return scheduler.get_velocity(x0, eps, t)
    raise SystemExit(f"prediction_type {prediction_type!r} is not supported")


# ----------------------------------------------------------------------------------------------
# Training state files (lab_state.safetensors, training_state.safetensors)


def read_state_metadata(path):
    """The JSON metadata of a training-state safetensors file (read from its header)."""
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
    meta = json.loads(header.get("__metadata__", {}).get(STATE_META_KEY, "null") or "null")
    if not isinstance(meta, dict) or meta.get("format") != STATE_FORMAT:
        raise SystemExit(f"{path} is not a Diffusion Lab training state")
    if meta.get("version") != STATE_VERSION:
        raise SystemExit(f"{path} is version {meta.get('version')}; this script reads version {STATE_VERSION}")
    return meta


def load_training_state(path):
    """(tensors by group then parameter name, metadata) of a training-state file."""
    from safetensors.torch import load_file

    meta = read_state_metadata(path)
    groups = {group: {} for group in PREFIX}
    for key, tensor in load_file(str(path)).items():
        group = next((g for g, p in PREFIX.items() if key.startswith(p)), None)
        if group is None:
            raise SystemExit(f"{path}: unexpected tensor {key}")
        groups[group][key[len(PREFIX[group]) :]] = tensor
    return groups, meta


def check_names(what, names, available):
    missing = [n for n in names if n not in available]
    unexpected = [n for n in available if n not in set(names)]
    if missing or unexpected:
        raise SystemExit(
            f"{what} does not match the model: {len(missing)} missing ({', '.join(missing[:5])}), "
            f"{len(unexpected)} unexpected ({', '.join(unexpected[:5])})"
        )


def restore_weights(model, groups, meta):
    """Raw weights into the model; checks the parameter order the lab wrote against the model's."""
    names = [n for n, _ in model.named_parameters()]
    if meta["parameterOrder"] != names:
        raise SystemExit("the model's parameter order differs from the one the lab exported: diffusers' UNet2DModel changed")
    check_names("unet weights", names, groups["unet"])
    model.load_state_dict(groups["unet"], strict=True)


def restore_ema(ema_params, names, groups):
    """EMA weights into EMAModel's shadow parameters (one per model parameter, in model order)."""
    check_names("EMA weights", names, groups["ema"])
    with torch.no_grad():
        for shadow, name in zip(ema_params, names):
            shadow.copy_(groups["ema"][name].to(shadow.device, shadow.dtype))


def restore_adam(optimizer, named_params, groups, adam_step):
    """Adam's moments mapped by name onto the optimiser's parameters, with torch's step counter."""
    names = [n for n, _ in named_params]
    check_names("exp_avg", names, groups["exp_avg"])
    check_names("exp_avg_sq", names, groups["exp_avg_sq"])
    for name, p in named_params:
        optimizer.state[p] = {
            "step": torch.tensor(float(adam_step)),
            "exp_avg": groups["exp_avg"][name].to(p.device, p.dtype).clone(),
            "exp_avg_sq": groups["exp_avg_sq"][name].to(p.device, p.dtype).clone(),
        }


def state_tensors(named_params, ema_params, optimizer):
    """Every tensor of a training state, by group prefix and parameter name, on the CPU."""
    out = {}
    for i, (name, p) in enumerate(named_params):
        out[PREFIX["unet"] + name] = p.detach().float().cpu().contiguous()
        if ema_params is not None:
            out[PREFIX["ema"] + name] = ema_params[i].detach().float().cpu().contiguous()
        state = optimizer.state.get(p, {})
        for key in ("exp_avg", "exp_avg_sq"):
            value = state.get(key, torch.zeros_like(p))
            out[PREFIX[key] + name] = value.detach().float().cpu().contiguous()
    return out


def state_metadata(step, adam_step, names, extra):
    meta = {
        "format": STATE_FORMAT,
        "version": STATE_VERSION,
        "step": step,
        "adamStep": adam_step,
        "parameterOrder": names,
        "extra": extra,
    }
    return {STATE_META_KEY: json.dumps(meta)}


def adam_step_count(optimizer, params):
    """torch's step counter of the first parameter (all share it), 0 before any step."""
    step = optimizer.state.get(params[0], {}).get("step", 0)
    return int(step.item() if torch.is_tensor(step) else step)


# ----------------------------------------------------------------------------------------------
# Metrics in the lab's metrics.csv columns


class Smoother:
    """The lab's smoothed loss: s_n = b*s_{n-1} + (1-b)*x_n, reported as s_n / (1 - b^n)."""

    def __init__(self, value=0.0, n=0, beta=SMOOTHING_BETA):
        self.value, self.n, self.beta = value, n, beta

    def add(self, x):
        self.n += 1
        self.value = self.beta * self.value + (1 - self.beta) * x
        return self.value / (1 - self.beta**self.n)

    def state(self):
        return {"value": self.value, "n": self.n}


class LossPerT:
    """Mean loss per t bucket (bucket i holds the t with floor(t * buckets / T) = i), a rolling window each."""

    def __init__(self, timesteps, windows=None):
        self.timesteps = timesteps
        self.windows = [list(w)[-LOSS_PER_T_WINDOW:] for w in windows] if windows else [[] for _ in range(LOSS_PER_T_BUCKETS)]

    def add(self, ts, losses):
        for t, loss in zip(ts, losses):
            w = self.windows[min(LOSS_PER_T_BUCKETS - 1, (int(t) * LOSS_PER_T_BUCKETS) // self.timesteps)]
            w.append(float(loss))
            if len(w) > LOSS_PER_T_WINDOW:
                del w[0]

    def means(self):
        return [sum(w) / len(w) if w else None for w in self.windows]


def loss_per_t_columns(timesteps, buckets=LOSS_PER_T_BUCKETS):
    """`loss_t_<lo>_<hi>`, lo and hi the first and last t of each bucket (the lab's names)."""
    first = lambda i: -(-i * timesteps // buckets)
    return [f"loss_t_{first(i)}_{first(i + 1) - 1}" for i in range(buckets)]


class MetricsCsv:
    """OUTPUT/metrics.csv: step, loss, smoothed_loss, lr, grad_norm, ema_decay (empty with EMA off) and
    loss_t_* (filled on the rows where a checkpoint is written), one row per step. A resumed run
    keeps the rows up to its step."""

    def __init__(self, path, timesteps, resume_step):
        self.path = Path(path)
        self.header = ["step", "loss", "smoothed_loss", "lr", "grad_norm", "ema_decay", *loss_per_t_columns(timesteps)]
        kept = []
        if self.path.exists():
            with open(self.path, newline="") as f:
                kept = [row for row in csv.reader(f)][1:]
            kept = [row for row in kept if row and int(row[0]) <= resume_step]
        self.file = open(self.path, "w", newline="")
        self.writer = csv.writer(self.file, lineterminator="\n")
        self.writer.writerow(self.header)
        self.writer.writerows(kept)

    def row(self, step, loss, smoothed, lr, grad_norm, ema_decay, loss_per_t=None):
        cells = ["" if m is None else repr(m) for m in loss_per_t] if loss_per_t else [""] * LOSS_PER_T_BUCKETS
        decay = "" if ema_decay is None else repr(ema_decay)
        self.writer.writerow([step, repr(loss), repr(smoothed), repr(lr), repr(grad_norm), decay, *cells])

    def flush(self):
        self.file.flush()

    def close(self):
        self.file.close()


# ----------------------------------------------------------------------------------------------
# The training loop


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--output-dir", default=str(HERE / "output"), help="checkpoints and metrics.csv (default: ./output)")
    p.add_argument(
        "--resume",
        default="auto",
        help="auto (the newest checkpoint in OUTPUT, else the lab's state), lab (lab_state.safetensors), "
        "none (fresh weights), or a checkpoint folder / training_state.safetensors",
    )
    p.add_argument("--steps", type=int, default=None, help="train until this many steps in all (default: run.json targetSteps)")
    p.add_argument("--checkpoint-every", type=int, default=5000, help="steps between checkpoints (one is also written at the end)")
    p.add_argument("--cifar10", default=None, help="path of cifar-10-binary.tar.gz or cifar-10-python.tar.gz")
    p.add_argument("--mixed-precision", choices=["no", "fp16", "bf16"], default="no", help="off by default, like the lab (float32)")
    return p.parse_args(argv)


def resume_path(choice, project_dir, output_dir):
    """The training-state file to resume from, or None for fresh weights."""
    if choice == "none":
        return None
    lab = project_dir / "lab_state.safetensors"
    if choice == "lab":
        if not lab.is_file():
            raise SystemExit(f"--resume lab: {lab} does not exist (the run was exported without a checkpoint)")
        return lab
    if choice == "auto":
        found = sorted((output_dir / "checkpoints").glob("step-*/training_state.safetensors"))
        return found[-1] if found else (lab if lab.exists() else None)
    path = Path(choice)
    path = path / "training_state.safetensors" if path.is_dir() else path
    if not path.is_file():
        raise SystemExit(f"--resume {choice}: {path} does not exist")
    return path


def main(argv=None):
    from accelerate import Accelerator
    from diffusers import DDPMPipeline, DDPMScheduler, UNet2DModel
    from diffusers.training_utils import EMAModel
    from safetensors.torch import save_file

    args = parse_args(argv)
    settings = load_project(HERE)
    training = settings["run"]["training"]
    accelerator = Accelerator(mixed_precision=args.mixed_precision)
    world, rank = accelerator.num_processes, accelerator.process_index
    batch = training["batchSize"]
    if batch % world != 0:
        raise SystemExit(f"the global batch {batch} does not split evenly over {world} processes")
    per_process = batch // world
    output_dir = Path(args.output_dir)
    target = args.steps if args.steps is not None else training["targetSteps"]

    images_np, allows_flip = load_images(settings, HERE, args.cifar10)
    scale, offset = normalization(images_np, training["normalization"])
    device = accelerator.device
    images = torch.from_numpy(images_np).to(device)
    scale = torch.tensor(scale, dtype=torch.float32, device=device)
    offset = torch.tensor(offset, dtype=torch.float32, device=device)
    flip = training["flip"] and allows_flip

    scheduler = DDPMScheduler.from_config(settings["scheduler"])
    timesteps = scheduler.config.num_train_timesteps
    prediction_type = scheduler.config.prediction_type
    unet = UNet2DModel.from_config(settings["unet"])
    names = [n for n, _ in unet.named_parameters()]
    optimizer = torch.optim.Adam(unet.parameters(), lr=training["lr"], betas=ADAM_BETAS, eps=ADAM_EPS)
    ema = (
        lab_ema_model(EMAModel)(unet.parameters(), training["emaDecay"], training["emaWarmup"])
        if training["useEma"]
        else None
    )

    state_file = resume_path(args.resume, HERE, output_dir)
    step, adam_step, extra = 0, 0, {}
    if state_file is not None:
        groups, meta = load_training_state(state_file)
        restore_weights(unet, groups, meta)
        if ema is not None:
            restore_ema(ema.shadow_params, names, groups)
            # The next update is then update n = step, as in the lab.
            ema.optimization_step = meta["step"]
        step, adam_step, extra = meta["step"], meta["adamStep"], meta.get("extra", {})

    unet, optimizer = accelerator.prepare(unet, optimizer)
    model = accelerator.unwrap_model(unet)
    params = list(model.parameters())
    named = list(model.named_parameters())
    if ema is not None:
        ema.to(device)
    # accelerate wraps the optimiser; its torch Adam (state, param_groups) is the one inside.
    raw_optimizer = getattr(optimizer, "optimizer", optimizer)
    if state_file is not None and adam_step > 0:
        restore_adam(raw_optimizer, named, groups, adam_step)

    order = BatchOrder(len(images_np), batch, training["seed"], **extra.get("order", {"epoch": 0, "cursor": 0}))
    metrics_state = extra.get("metrics", {})
    smoother = Smoother(**metrics_state.get("smoother", {"value": 0.0, "n": 0}))
    loss_per_t = LossPerT(timesteps, metrics_state.get("lossPerT"))
    if accelerator.is_main_process:
        output_dir.mkdir(parents=True, exist_ok=True)
        log = MetricsCsv(output_dir / "metrics.csv", timesteps, step)
        print(f"resuming from {state_file} at step {step}" if state_file else "starting from fresh weights", flush=True)
    shape = (images_np.shape[3], images_np.shape[1], images_np.shape[2])

    def save_checkpoint():
        accelerator.wait_for_everyone()
        if not accelerator.is_main_process:
            return
        folder = output_dir / "checkpoints" / f"step-{step:08d}"
        if ema is not None:
            ema.store(params)
            ema.copy_to(params)
        DDPMPipeline(unet=model, scheduler=scheduler).save_pretrained(str(folder))
        if ema is not None:
            ema.restore(params)
        extra_out = {
            "config": settings["run"],
            "order": order.state(),
            "metrics": {"smoother": smoother.state(), "lossPerT": loss_per_t.windows},
        }
        tensors = state_tensors(named, ema.shadow_params if ema is not None else None, raw_optimizer)
        save_file(
            tensors,
            str(folder / "training_state.safetensors"),
            metadata=state_metadata(step, adam_step_count(raw_optimizer, params), names, extra_out),
        )
        log.flush()
        print(f"step {step}: saved {folder}", flush=True)

    lo, hi = rank * per_process, (rank + 1) * per_process
    while step < target:
        indices = order.next()[lo:hi].to(device)
        t_all, eps_all, flips_all = step_randomness(training["seed"], step, batch, timesteps, shape, training["sharedT"], flip)
        t, eps, flips = t_all[lo:hi].to(device), eps_all[lo:hi].to(device), flips_all[lo:hi].to(device)
        x0 = model_inputs(images, indices, flips, scale, offset)
        xt = scheduler.add_noise(x0, eps, t)
        target_values = regression_target(scheduler, x0, eps, t, prediction_type)
        # Dropout draws from the global generator: seeded per step and process, so a resume repeats it.
        torch.manual_seed((training["seed"] * STREAM_STRIDE + step) * 1024 + rank)
        unet.train()
        with accelerator.autocast():
            prediction = unet(xt, t).sample
        per_example = ((prediction.float() - target_values) ** 2).mean(dim=(1, 2, 3))
        loss = per_example.mean()
        lr = learning_rate(training["lr"], training["warmupSteps"], step)
        for group in raw_optimizer.param_groups:
            group["lr"] = lr
        accelerator.backward(loss)
        clip = training["gradClipNorm"]
        grad_norm = float(accelerator.clip_grad_norm_(unet.parameters(), clip if clip is not None else float("inf")))
        losses = accelerator.gather(per_example.detach())
        ts = accelerator.gather(t)
        mean_loss = float(losses.mean())
        if not (math.isfinite(mean_loss) and math.isfinite(grad_norm)):
            raise SystemExit(
                f"step {step + 1}: the loss or gradient is not finite (loss {mean_loss}, gradient norm {grad_norm}); "
                "lower the learning rate or turn on gradient clipping"
            )
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        ema_decay = None
        if ema is not None:
            ema.step(params)
            ema_decay = ema.cur_decay_value
        step += 1
        if accelerator.is_main_process:
            smoothed = smoother.add(mean_loss)
            loss_per_t.add(ts.tolist(), losses.tolist())
            save_now = step % args.checkpoint_every == 0 or step == target
            log.row(step, mean_loss, smoothed, lr, grad_norm, ema_decay, loss_per_t.means() if save_now else None)
        if step % args.checkpoint_every == 0 or step == target:
            save_checkpoint()
    if accelerator.is_main_process:
        log.close()
    accelerator.end_training()


if __name__ == "__main__":
    sys.exit(main())
