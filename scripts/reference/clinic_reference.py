"""Golden values for the learner's-code switches (issue 17), from PyTorch, independent of the lab:

- adam_double: `training.doubleOptimizerStep`. The learner's script calls optimizer.step() twice
  after one backward: TF-style global-norm clipping of the gradients, then torch.optim.Adam's
  step() twice on the same (clipped) gradients, float64. The single-step weights are kept too.
- broken_final: `sampling.brokenFinalStep`. A whole DDPM loop (T = 10, the learner's linear betas
  1e-3..0.03, all 10 steps, fixed_large, x0 clipped) with sampling_reference.py's toy model and
  fixed noise. Every step but the last is scheduler_reference.py's DDPM step; the last (t = 0)
  does not call the model and is the learner's formula with the previous step's t = t' and eps:
      x = (x - (1 - alpha_t') / sqrt(1 - alpha_t') * eps_t') / sqrt(alpha_t'),  alpha_t' = 1 - beta_t'.
  The correct last step is recorded beside it.
- zero_one: `training.normalization: "zero-one"`: bytes / 255 (the no-op Normalize(0, 1) of
  torchvision after ToTensor), against "minus-one-one" bytes / 127.5 - 1.

Run:  /usr/bin/python3 scripts/reference/clinic_reference.py
Writes scripts/reference/fixtures/clinic_golden.json.
"""

import math
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from sampling_reference import SHAPE, flat, toy_model  # noqa: E402
from scheduler_reference import alpha_bar_of, betas_of, f32, full, step, timesteps_of, write_fixture  # noqa: E402

OUT = os.path.join(HERE, "fixtures", "clinic_golden.json")


def adam_double():
    rng = np.random.default_rng(17)
    shapes = [(3, 2), (4,)]
    params0 = [rng.normal(size=s) for s in shapes]
    grads = [rng.normal(size=s) * 2.0 for s in shapes]  # norm > clip, so clipping matters
    lr, clip = 1e-2, 1.0
    out = {"shapes": [list(s) for s in shapes], "params0": [p.ravel().tolist() for p in params0],
           "grads": [g.ravel().tolist() for g in grads], "lr": lr, "clip": clip}
    for name, calls in (("single", 1), ("double", 2)):
        params = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in params0]
        opt = torch.optim.Adam(params, lr=lr, betas=(0.9, 0.999), eps=1e-8)
        g = [torch.tensor(x, dtype=torch.float64) for x in grads]
        norm = float(torch.sqrt(sum((x * x).sum() for x in g)))
        for p, x in zip(params, g):
            p.grad = x * clip / max(norm, clip)
        for _ in range(calls):
            opt.step()
        out[name] = [p.detach().numpy().ravel().tolist() for p in params]
    return out


def broken_final(gen):
    c = full(dict(num_train_timesteps=10, beta_start=1e-3, beta_end=0.03, variance_type="fixed_large"))
    ab, betas = alpha_bar_of(c), betas_of(c)
    ts = timesteps_of(c, 10)
    x = f32(torch.randn(SHAPE, generator=gen, dtype=torch.float64))
    draws = [x]
    eps_prev, t_prev = None, None
    for t, p in zip(ts[:-1], ts[1:]):
        m = toy_model(x, t)  # epsilon prediction: the model output is eps
        z = f32(torch.randn(SHAPE, generator=gen, dtype=torch.float64))
        draws.append(z)
        prev, _ = step("ddpm", c, ab, t, p, x, m, z, 0.0, False)
        x, eps_prev, t_prev = f32(prev), m, t
    last_t = ts[-1]
    correct, _ = step("ddpm", c, ab, last_t, -1, x, toy_model(x, last_t), torch.zeros(SHAPE), 0.0, False)
    alpha = 1 - betas[t_prev].item()
    broken = (x - (1 - alpha) / math.sqrt(1 - alpha) * eps_prev) / math.sqrt(alpha)
    noise = [sum((flat(d[i]) for d in draws), []) for i in range(SHAPE[0])]
    return dict(config=dict(num_train_timesteps=10, beta_start=1e-3, beta_end=0.03, variance_type="fixed_large"),
                num_inference_steps=10, shape=list(SHAPE), timesteps=ts, noise=noise, previous_t=t_prev,
                alpha=alpha, x_before_last=flat(x), final_broken=flat(f32(broken)), final_correct=flat(f32(correct)))


def zero_one():
    b = torch.tensor([0, 1, 64, 127, 128, 200, 255], dtype=torch.float64)
    return dict(bytes=b.int().tolist(), zero_one=(b / 255).tolist(), minus_one_one=(b / 127.5 - 1).tolist())


def main():
    gen = torch.Generator().manual_seed(17)
    write_fixture(OUT, dict(generator="scripts/reference/clinic_reference.py", adam_double=adam_double(),
                            broken_final=broken_final(gen), zero_one=zero_one()))


if __name__ == "__main__":
    main()
