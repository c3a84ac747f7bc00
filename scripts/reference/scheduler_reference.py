"""Independent golden values for src/diffusion (DDPM / DDIM schedulers).

Written from the papers (Ho et al. 2020 eqs. 4, 7, 15; Song et al. 2020 eqs. 12, 16; Nichol &
Dhariwal 2021 eq. 17; Salimans & Ho 2022 for v) and the documented semantics of diffusers'
DDPMScheduler / DDIMScheduler (timestep spacings, previous timestep, variance kinds, clipping,
set_alpha_to_one, use_clipped_model_output). It does not import or read the TypeScript code.

Tables are float64. Sampling loops compute each step in float64 but round x_t, the model output,
the noise and the returned x0 to float32 between steps, because that is the precision the lab's
step() takes and returns; without it, float32 storage error amplified by 1/sqrt(alpha_bar) at
large t would swamp the comparison.

Run:  /usr/bin/python3 scripts/reference/scheduler_reference.py
Writes scripts/reference/fixtures/scheduler_golden.json.
"""

import json
import math
import os

import numpy as np
import torch

torch.set_default_dtype(torch.float64)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures", "scheduler_golden.json")

DEFAULTS = dict(
    num_train_timesteps=1000,
    beta_start=0.0001,
    beta_end=0.02,
    beta_schedule="linear",
    trained_betas=None,
    variance_type="fixed_small",
    clip_sample=True,
    clip_sample_range=1.0,
    prediction_type="epsilon",
    timestep_spacing="leading",
    steps_offset=0,
    set_alpha_to_one=True,
)


def full(cfg):
    c = dict(DEFAULTS)
    c.update(cfg)
    return c


# ---------------------------------------------------------------- forward process tables


def betas_of(c):
    T = c["num_train_timesteps"]
    if c["trained_betas"] is not None:
        return torch.tensor(c["trained_betas"])
    if c["beta_schedule"] == "linear":
        return torch.linspace(c["beta_start"], c["beta_end"], T)
    if c["beta_schedule"] == "scaled_linear":
        return torch.linspace(c["beta_start"] ** 0.5, c["beta_end"] ** 0.5, T) ** 2
    if c["beta_schedule"] == "squaredcos_cap_v2":
        # Improved DDPM eq. 17: alpha_bar(u) = cos^2((u + s)/(1 + s) * pi/2), s = 0.008; beta capped at 0.999.
        f = lambda u: math.cos((u + 0.008) / 1.008 * math.pi / 2) ** 2
        return torch.tensor([min(1 - f((i + 1) / T) / f(i / T), 0.999) for i in range(T)])
    raise ValueError(c["beta_schedule"])


def alpha_bar_of(c):
    return torch.cumprod(1.0 - betas_of(c), dim=0)


# ---------------------------------------------------------------- inference timesteps


def timesteps_of(c, n):
    T = c["num_train_timesteps"]
    spacing = c["timestep_spacing"]
    if spacing == "leading":
        ts = np.arange(0, n) * (T // n) + c["steps_offset"]
        return [int(v) for v in ts[::-1]]
    if spacing == "trailing":
        # np.arange with a float step can overshoot to n + 1 entries (the last rounding to -1);
        # the schedule has n steps, so keep the first n.
        ts = np.round(np.arange(T, 0, -T / n))[:n].astype(np.int64) - 1
        return [int(v) for v in ts]
    if spacing == "linspace":
        ts = np.linspace(0, T - 1, n).round()[::-1].astype(np.int64)
        return [int(v) for v in ts]
    raise ValueError(spacing)


# ---------------------------------------------------------------- one reverse step


def alpha_bar_prev_of(kind, c, ab, prev_t):
    if prev_t >= 0:
        return ab[prev_t].item()
    if kind == "ddim" and not c["set_alpha_to_one"]:
        return ab[0].item()
    return 1.0


def variance_of(kind, c, ab, t, prev_t):
    """sigma^2 of a step t -> prev_t (DDIM: at eta = 1)."""
    a_t = ab[t].item()
    a_p = alpha_bar_prev_of(kind, c, ab, prev_t)
    beta_eff = 1 - a_t / a_p  # the beta of the (possibly skipped) interval
    beta_tilde = (1 - a_p) / (1 - a_t) * beta_eff  # posterior variance, Ho et al. eq. 7
    if kind == "ddim":
        return beta_tilde  # Song et al. eq. 16 with eta = 1
    if c["variance_type"] in ("fixed_small", "fixed_small_log"):
        return max(beta_tilde, 1e-20)
    return beta_eff  # fixed_large(_log): sigma^2 = beta


def x0_of(c, a_t, x, m):
    p = c["prediction_type"]
    if p == "epsilon":
        return (x - math.sqrt(1 - a_t) * m) / math.sqrt(a_t)  # Ho et al. eq. 15
    if p == "sample":
        return m.clone()
    return math.sqrt(a_t) * x - math.sqrt(1 - a_t) * m  # v = sqrt(ab) eps - sqrt(1-ab) x0


def eps_of(c, a_t, x, m, x0_clipped, use_clipped):
    if use_clipped:
        return (x - math.sqrt(a_t) * x0_clipped) / math.sqrt(1 - a_t)
    p = c["prediction_type"]
    if p == "epsilon":
        return m.clone()
    if p == "sample":
        return (x - math.sqrt(a_t) * m) / math.sqrt(1 - a_t)
    return math.sqrt(a_t) * m + math.sqrt(1 - a_t) * x


def step(kind, c, ab, t, prev_t, x, m, z, eta, use_clipped):
    a_t = ab[t].item()
    a_p = alpha_bar_prev_of(kind, c, ab, prev_t)
    x0 = x0_of(c, a_t, x, m)
    if c["clip_sample"]:
        r = c["clip_sample_range"]
        x0 = x0.clamp(-r, r)
    var = variance_of(kind, c, ab, t, prev_t)
    if kind == "ddpm":
        alpha_eff = a_t / a_p
        mean = (math.sqrt(a_p) * (1 - alpha_eff) / (1 - a_t)) * x0 + (
            math.sqrt(alpha_eff) * (1 - a_p) / (1 - a_t)
        ) * x
        prev = mean + math.sqrt(var) * z if t > 0 else mean
        return prev, x0
    sigma = eta * math.sqrt(var)
    eps = eps_of(c, a_t, x, m, x0, use_clipped)
    prev = math.sqrt(a_p) * x0 + math.sqrt(1 - a_p - sigma**2) * eps  # Song et al. eq. 12
    if eta > 0:
        prev = prev + sigma * z
    return prev, x0


def f32(x):
    return x.to(torch.float32).to(torch.float64)


def toy_model(x, t):
    return f32(x * t / (t + 1))


def nums(x):
    return [float("%.9g" % v) for v in x.tolist()]


def run_loop(case, x_T, gen):
    kind = case["kind"]
    c = full(case["config"])
    ab = alpha_bar_of(c)
    n = case.get("num_inference_steps")
    eta = case.get("eta", 0.0)
    use_clipped = case.get("use_clipped_model_output", False)
    if n is None:
        ts = list(range(c["num_train_timesteps"] - 1, -1, -1))
    else:
        ts = timesteps_of(c, n)
    prevs = [ts[i + 1] if i + 1 < len(ts) else -1 for i in range(len(ts))]
    stochastic = kind == "ddpm" or eta > 0
    noise = [f32(torch.randn(len(x_T), generator=gen)) for _ in ts] if stochastic else None
    x = f32(x_T)
    prev_samples, x0s = [], []
    for i, (t, p) in enumerate(zip(ts, prevs)):
        m = toy_model(x, t)
        z = noise[i] if stochastic else torch.zeros_like(x)
        x, x0 = step(kind, c, ab, t, p, x, m, z, eta, use_clipped)
        x, x0 = f32(x), f32(x0)
        prev_samples.append(nums(x))
        x0s.append(nums(x0))
    out = dict(case)
    out.update(
        timesteps=ts,
        prev_timesteps=prevs,
        variances=[variance_of(kind, c, ab, t, p) for t, p in zip(ts, prevs)],
        x_T=nums(f32(x_T)),
        noise=[nums(z) for z in noise] if stochastic else None,
        prev_samples=prev_samples,
        pred_original_samples=x0s,
    )
    return out


# ---------------------------------------------------------------- cases

SCALED_PAPER = dict(num_train_timesteps=40, beta_start=0.0025, beta_end=0.5)
TRAINED16 = dict(num_train_timesteps=16, trained_betas=[0.01 * 1.3**i for i in range(16)])
SD = dict(beta_schedule="scaled_linear", beta_start=0.00085, beta_end=0.012)
COS = dict(beta_schedule="squaredcos_cap_v2")

LOOPS = [
    dict(name="ddpm paper schedule, 10 leading steps, fixed_small", kind="ddpm", config={}, num_inference_steps=10),
    dict(name="ddpm full 40-step chain, fixed_large", kind="ddpm",
         config=dict(SCALED_PAPER, variance_type="fixed_large")),
    dict(name="ddpm scaled_linear, 20 trailing steps, fixed_small_log, v, no clip", kind="ddpm",
         config=dict(SD, variance_type="fixed_small_log", prediction_type="v_prediction",
                     timestep_spacing="trailing", clip_sample=False), num_inference_steps=20),
    dict(name="ddpm cosine, 25 linspace steps, fixed_large_log, sample, clip 1.5", kind="ddpm",
         config=dict(COS, variance_type="fixed_large_log", prediction_type="sample",
                     timestep_spacing="linspace", clip_sample_range=1.5), num_inference_steps=25),
    dict(name="ddpm steps_offset 1, 10 leading steps, fixed_large (noise at t = 1)", kind="ddpm",
         config=dict(variance_type="fixed_large", steps_offset=1), num_inference_steps=10),
    dict(name="ddpm trained betas, full 16-step chain, fixed_small", kind="ddpm", config=dict(TRAINED16)),
    dict(name="ddpm 7 trailing steps (T/n not whole), fixed_small, v", kind="ddpm",
         config=dict(timestep_spacing="trailing", prediction_type="v_prediction"), num_inference_steps=7),
    dict(name="ddim eta 0, paper schedule, 10 leading steps", kind="ddim", config={}, num_inference_steps=10, eta=0.0),
    dict(name="ddim eta 0.5, scaled_linear, 20 trailing steps, v, set_alpha_to_one false", kind="ddim",
         config=dict(SD, prediction_type="v_prediction", timestep_spacing="trailing", set_alpha_to_one=False,
                     steps_offset=1), num_inference_steps=20, eta=0.5),
    dict(name="ddim eta 1, cosine, 15 linspace steps, sample, no clip", kind="ddim",
         config=dict(COS, prediction_type="sample", timestep_spacing="linspace", clip_sample=False),
         num_inference_steps=15, eta=1.0),
    dict(name="ddim eta 0.5, steps_offset 1, 25 leading steps, use_clipped_model_output", kind="ddim",
         config=dict(steps_offset=1), num_inference_steps=25, eta=0.5, use_clipped_model_output=True),
    dict(name="ddim eta 0, set_alpha_to_one false, 10 leading steps", kind="ddim",
         config=dict(set_alpha_to_one=False), num_inference_steps=10, eta=0.0),
    dict(name="ddim eta 1, trained betas, 5 trailing steps, clipped model output, sample", kind="ddim",
         config=dict(TRAINED16, timestep_spacing="trailing", prediction_type="sample"),
         num_inference_steps=5, eta=1.0, use_clipped_model_output=True),
    dict(name="ddim eta 0, cosine, 12 linspace steps, v, clip 2", kind="ddim",
         config=dict(COS, prediction_type="v_prediction", timestep_spacing="linspace", clip_sample_range=2.0),
         num_inference_steps=12, eta=0.0),
]

SCHEDULES = [
    dict(name="paper linear T=1000", config={}),
    dict(name="linear T=250 unscaled", config=dict(num_train_timesteps=250)),
    dict(name="linear T=250 scaled by 1000/T", config=dict(num_train_timesteps=250, beta_start=0.0004, beta_end=0.08)),
    dict(name="scaled_linear T=1000", config=SD),
    dict(name="squaredcos_cap_v2 T=1000", config=COS),
    dict(name="squaredcos_cap_v2 T=40", config=dict(COS, num_train_timesteps=40)),
    dict(name="trained T=16", config=TRAINED16),
]

TIMESTEP_CASES = [
    (1000, 10, "leading", 0), (1000, 10, "leading", 1), (1000, 7, "leading", 0), (1000, 1000, "leading", 0),
    (1000, 10, "trailing", 0), (1000, 7, "trailing", 0), (1000, 16, "trailing", 0), (1000, 61, "trailing", 0),
    (1000, 13, "trailing", 0), (15, 13, "trailing", 0), (17, 7, "trailing", 3),
    (1000, 1, "linspace", 0), (1000, 3, "linspace", 0), (1000, 5, "linspace", 0), (1000, 15, "linspace", 0),
    (1000, 50, "linspace", 0), (40, 40, "linspace", 0), (1000, 1, "trailing", 0), (1000, 1, "leading", 0),
]


def schedule_entry(s):
    c = full(s["config"])
    T = c["num_train_timesteps"]
    b = betas_of(c)
    ab = alpha_bar_of(c)
    ab_prev = torch.cat([torch.ones(1), ab[:-1]])
    post = b * (1 - ab_prev) / (1 - ab)  # beta_tilde, Ho et al. eq. 7; exactly 0 at t = 0
    probes = sorted({t for t in [0, 1, 2, T // 4, T // 2, 487, T - 2, T - 1] if 0 <= t < T})
    return dict(
        s,
        probe_t=probes,
        betas=[b[t].item() for t in probes],
        alphas_cumprod=[ab[t].item() for t in probes],
        posterior_variance=[post[t].item() for t in probes],
        snr_db=[10 * math.log10(ab[t].item() / (1 - ab[t].item())) for t in probes],
        sqrt_alpha_bar_T=math.sqrt(ab[-1].item()),
    )


def training_cases(gen):
    out = []
    for pt, t in [("epsilon", 0), ("epsilon", 500), ("sample", 999), ("v_prediction", 0), ("v_prediction", 250),
                  ("v_prediction", 999)]:
        c = full(dict(prediction_type=pt))
        ab = alpha_bar_of(c)[t].item()
        x0 = f32(torch.rand(8, generator=gen) * 2 - 1)
        eps = f32(torch.randn(8, generator=gen))
        v = math.sqrt(ab) * eps - math.sqrt(1 - ab) * x0  # Salimans & Ho 2022
        target = {"epsilon": eps, "sample": x0, "v_prediction": v}[pt]
        out.append(dict(prediction_type=pt, t=t, x0=nums(x0), eps=nums(eps),
                        add_noise=nums(math.sqrt(ab) * x0 + math.sqrt(1 - ab) * eps), velocity=nums(v),
                        target=nums(target)))
    return out


def write_fixture(path, fixture, summary=""):
    """Writes compact JSON with a final newline (the sampling reference writes its fixture the same way)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes{summary})")


def main():
    gen = torch.Generator().manual_seed(20200619)  # DDPM's arXiv date
    x_T = torch.randn(8, generator=gen) * 1.3
    fixture = dict(
        generator="scripts/reference/scheduler_reference.py",
        torch=torch.__version__,
        note="float64 maths; loop states rounded to float32 between steps; toy model m = x * t / (t + 1)",
        defaults=DEFAULTS,
        schedules=[schedule_entry(s) for s in SCHEDULES],
        timesteps=[dict(num_train_timesteps=T, num_inference_steps=n, timestep_spacing=sp, steps_offset=off,
                        timesteps=timesteps_of(full(dict(num_train_timesteps=T, timestep_spacing=sp,
                                                         steps_offset=off)), n))
                   for T, n, sp, off in TIMESTEP_CASES],
        loops=[run_loop(case, x_T, gen) for case in LOOPS],
        training=training_cases(gen),
    )
    write_fixture(OUT, fixture, f", {len(LOOPS)} loops")


if __name__ == "__main__":
    main()
