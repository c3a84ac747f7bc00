"""Golden values for src/training (Adam, global-norm clipping, lr warm-up, EMA), from PyTorch's
own torch.optim.Adam and the formulas of the paper's TensorFlow code, independent of the
TypeScript trainer:

- lr warm-up: the paper's get_warmed_up_lr, lr_n = lr * min(1, n / warmup) for the 0-based step
  n (the first step's lr is 0), from training_schedule_reference.py;
- clipping: TF's clip_by_global_norm, g * clip / max(||g||, clip) over all tensors together;
- Adam: torch.optim.Adam(betas=(0.9, 0.999), eps=1e-8), float64, with the step's lr set on the
  param group before each step;
- EMA: ema = d * ema + (1 - d) * w after each step, with both of training_schedule_reference.py's
  rules: the paper's make_ema (d_0 = 1e-10, then the constant decay; `ema`, `ema_decay`) and the
  num_updates warm-up d_n = min(decay, (1 + n) / (10 + n)) (`ema_warmup`, `ema_warmup_decay`).

Run:  /usr/bin/python3 scripts/reference/training_reference.py
Writes scripts/reference/fixtures/training_golden.json.
"""

import json
import os

import numpy as np
import torch

from training_schedule_reference import get_warmed_up_lr, make_ema_decay, num_updates_ema_decay

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "training_golden.json")

rng = np.random.default_rng(20200619)  # DDPM's arXiv date
shapes = [(3, 2), (4,)]
params0 = [rng.normal(size=s) for s in shapes]
steps = 6
# Gradients with very different norms, so some steps are clipped and some are not.
scales = [0.2, 3.0, 0.5, 10.0, 0.05, 1.5]
grads = [[rng.normal(size=s) * scales[n] for s in shapes] for n in range(steps)]
lr, warmup, clip, decay = 1e-2, 3, 1.0, 0.9

params = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in params0]
opt = torch.optim.Adam(params, lr=lr, betas=(0.9, 0.999), eps=1e-8)
ema = [p.detach().clone() for p in params]
ema_warmup = [p.detach().clone() for p in params]
records = []
for n in range(steps):
    g = [torch.tensor(x, dtype=torch.float64) for x in grads[n]]
    norm = float(torch.sqrt(sum((x * x).sum() for x in g)))
    g = [x * clip / max(norm, clip) for x in g]
    step_lr = get_warmed_up_lr(lr, warmup, n)
    for group in opt.param_groups:
        group["lr"] = step_lr
    opt.zero_grad()
    for p, x in zip(params, g):
        p.grad = x.clone()
    opt.step()
    d = make_ema_decay(n, decay)
    d_warmup = num_updates_ema_decay(decay, n)
    with torch.no_grad():
        for shadow, rule in ((ema, d), (ema_warmup, d_warmup)):
            for e, p in zip(shadow, params):
                e.mul_(rule).add_(p.detach() * (1 - rule))
    records.append(
        {
            "grad_norm": norm,
            "lr": step_lr,
            "ema_decay": d,
            "ema_warmup_decay": d_warmup,
            "params": [p.detach().numpy().ravel().tolist() for p in params],
            "ema": [e.numpy().ravel().tolist() for e in ema],
            "ema_warmup": [e.numpy().ravel().tolist() for e in ema_warmup],
        }
    )

fixture = {
    "shapes": [list(s) for s in shapes],
    "params0": [p.ravel().tolist() for p in params0],
    "grads": [[x.ravel().tolist() for x in step] for step in grads],
    "lr": lr,
    "warmup": warmup,
    "clip": clip,
    "decay": decay,
    "steps": records,
}
with open(OUT, "w") as f:
    json.dump(fixture, f, indent=1)
print(f"wrote {OUT}")
