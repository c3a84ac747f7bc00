"""Golden sampling loops for src/sampling/runner.ts: whole reverse processes (DDIM and DDPM, 5 steps)
with a toy model and fixed noise, recording x_t, the clipped x0 and the implied eps at every step.

The step math is scheduler_reference.py's (written from the papers and diffusers' documented
semantics, float64, state rounded to float32 between steps as the GPU holds it); it does not read
the TypeScript code. The toy model is the one the test builds in tfjs,
    m = x * (0.5 t) / (t + 1) + offset[c],  offset = (-0.1, 0, 0.1) over the channel (last) axis,
evaluated op by op in float32 so both sides feed each step the same m. (diffusers' toy without the
0.5 makes m ~ x, and then (x - sqrt(1 - ab) m) / sqrt(ab) cancels so far at large t that float32
cannot hold x0 to 1e-5.) Arrays are NHWC, flattened row-major; noise is listed per image in the
order the runner draws it: x_T, then z of every step with sigma > 0.

Run:  /usr/bin/python3 scripts/reference/sampling_reference.py
Writes scripts/reference/fixtures/sampling_golden.json.
"""

import math
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from scheduler_reference import (  # noqa: E402
    alpha_bar_of,
    eps_of,
    f32,
    full,
    nums,
    step,
    timesteps_of,
    variance_of,
    write_fixture,
)

OUT = os.path.join(HERE, "fixtures", "sampling_golden.json")
SHAPE = (2, 2, 2, 3)  # N, H, W, C
OFFSETS = torch.tensor([-0.1, 0.0, 0.1], dtype=torch.float32)


def toy_model(x, t):
    tt = torch.tensor([float(t)], dtype=torch.float32)
    ratio = (tt * 0.5) / (tt + 1)
    return (x.to(torch.float32) * ratio + OFFSETS).to(torch.float64)


def flat(x):
    return nums(x.flatten())


def run(case, gen):
    kind, c, n, eta = case["kind"], full(case["config"]), case["num_inference_steps"], case["eta"]
    ab = alpha_bar_of(c)
    ts = timesteps_of(c, n)
    prevs = ts[1:] + [-1]
    sigmas = []
    for t, p in zip(ts, prevs):
        var = variance_of(kind, c, ab, t, p)
        sigmas.append((math.sqrt(var) if t > 0 else 0.0) if kind == "ddpm" else eta * math.sqrt(var))
    x = f32(torch.randn(SHAPE, generator=gen, dtype=torch.float64))
    draws = [x]
    frames = []
    for t, p, sigma in zip(ts, prevs, sigmas):
        m = toy_model(x, t)
        z = f32(torch.randn(SHAPE, generator=gen, dtype=torch.float64)) if sigma > 0 else torch.zeros(SHAPE)
        if sigma > 0:
            draws.append(z)
        prev, x0 = step(kind, c, ab, t, p, x, m, z, eta, False)
        a_t = ab[t].item()
        eps = eps_of(c, a_t, x, m, x0, False)
        frames.append(dict(t=t, prev_t=p, alpha_bar=a_t, sigma=sigma, x_t=flat(x), x0=flat(f32(x0)), eps=flat(f32(eps))))
        x = f32(prev)
    noise = [sum((flat(d[i]) for d in draws), []) for i in range(SHAPE[0])]
    return dict(case, shape=list(SHAPE), noise=noise, frames=frames, final=flat(x))


LOOPS = [
    dict(name="ddim, paper schedule, 5 leading steps, eta 0, epsilon, clip", kind="ddim", config={},
         num_inference_steps=5, eta=0.0),
    dict(name="ddpm, paper schedule, 5 leading steps, fixed_small, epsilon, clip", kind="ddpm", config={},
         num_inference_steps=5, eta=0.0),
    dict(name="ddim, 5 trailing steps, eta 0.5, v_prediction, no clip", kind="ddim",
         config=dict(timestep_spacing="trailing", prediction_type="v_prediction", clip_sample=False),
         num_inference_steps=5, eta=0.5),
    dict(name="ddpm, 5 leading steps with steps_offset 1, fixed_large, sample prediction", kind="ddpm",
         config=dict(variance_type="fixed_large", prediction_type="sample", steps_offset=1),
         num_inference_steps=5, eta=0.0),
]


def main():
    gen = torch.Generator().manual_seed(20240601)
    fixture = dict(generator="scripts/reference/sampling_reference.py", loops=[run(case, gen) for case in LOOPS])
    write_fixture(OUT, fixture)


if __name__ == "__main__":
    main()
