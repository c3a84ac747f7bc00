"""PyTorch side of `npm run bench`: the same U-Net, batch and step as the lab's case, timed the same way.

The model is scripts/reference/unet_reference.py's UNet (diffusers' UNet2DModel semantics, built
from the preset's config.json), with the preset's dropout added before each resnet's conv2 by a
forward pre-hook (the reference omits dropout because its fixtures use none). A training step:
per-example t ~ U{0..999}, eps ~ N(0, I), x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) eps, MSE(eps_hat, eps),
backward, gradient clipping at global norm 1, Adam (lr 2e-4), EMA of the weights (decay 0.9999), and
loss.item() (one host read per step, as the lab reads its loss): the paper's step (docs/ddpm.md §1).
Sampling: eval-mode DDPM steps (x0 clipped, sigma^2 = beta_tilde) at each batch, timed over a run.
On CUDA the step is plain fp32: TF32 is turned off for matmuls and convolutions; cuDNN autotuning is on.

Events go to stdout as `@bench <json>` lines, the same protocol as bench/env/node.ts.

  python3 bench/reference/torch_bench.py --spec '<EnvSpec JSON>' --config '<UNet config.json>'
"""

import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "reference"))
import unet_reference as R  # noqa: E402

T = 1000
EMA_DECAY = 0.9999


def emit(event):
    print("@bench " + json.dumps(event), flush=True)


def resolve_device(name):
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("--torch-device cuda: torch.cuda.is_available() is False on this machine")
    return torch.device(name)


def describe(device):
    if device.type == "cuda":
        return f"cuda {torch.cuda.get_device_name(device)} (torch {torch.__version__}, fp32, TF32 off)"
    return f"cpu (torch {torch.__version__}, {torch.get_num_threads()} thread{'s' if torch.get_num_threads() > 1 else ''})"


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def add_dropout(model, p):
    """Dropout on the input of every resnet's conv2, where diffusers' ResnetBlock2D applies it."""
    for module in model.modules():
        if isinstance(module, R.Resnet) and p > 0:
            module.conv2.register_forward_pre_hook(lambda m, inp: (F.dropout(inp[0], p, m.training),))


class Case:
    def __init__(self, spec, config):
        self.spec = spec
        self.device = resolve_device(spec["device"])
        if self.device.type == "cuda":
            torch.backends.cuda.matmul.allow_tf32 = False
            torch.backends.cudnn.allow_tf32 = False
            torch.backends.cudnn.benchmark = True
        torch.manual_seed(spec["seed"])
        self.model = R.UNet(config).to(self.device)
        add_dropout(self.model, config.get("dropout", 0.0))
        self.params = list(self.model.parameters())
        self.opt = torch.optim.Adam(self.params, lr=2e-4)
        self.ema = [p.detach().clone() for p in self.params]
        betas = torch.linspace(1e-4, 0.02, T, dtype=torch.float64)
        abar = torch.cumprod(1 - betas, 0)
        abar_prev = torch.cat([torch.ones(1, dtype=torch.float64), abar[:-1]])
        self.tables = {
            "sab": abar.sqrt(),
            "s1m": (1 - abar).sqrt(),
            # Posterior mean coefficients and beta_tilde (Ho et al. 2020 eq. 7).
            "c0": betas * abar_prev.sqrt() / (1 - abar),
            "ct": (1 - abar_prev) * (1 - betas).sqrt() / (1 - abar),
            "var": betas * (1 - abar_prev) / (1 - abar),
        }
        self.tables = {k: v.float().to(self.device) for k, v in self.tables.items()}
        side = config["sample_size"]
        self.shape = (spec["batch"], config["in_channels"], side, side)
        self.x0 = torch.rand(self.shape, device=self.device) * 2 - 1

    def train_step(self):
        tb = self.tables
        b = self.shape[0]
        t = torch.randint(0, T, (b,), device=self.device)
        eps = torch.randn_like(self.x0)
        xt = tb["sab"][t].view(b, 1, 1, 1) * self.x0 + tb["s1m"][t].view(b, 1, 1, 1) * eps
        loss = F.mse_loss(self.model(xt, t.float()), eps)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.params, 1.0)
        self.opt.step()
        with torch.no_grad():
            torch._foreach_mul_(self.ema, EMA_DECAY)
            torch._foreach_add_(self.ema, self.params, alpha=1 - EMA_DECAY)
        return loss.item()

    @torch.no_grad()
    def sample(self, batch, steps):
        tb = self.tables
        x = torch.randn((batch,) + self.shape[1:], device=self.device)
        for i in range(steps):
            t = T - 1 - i
            tt = torch.full((batch,), float(t), device=self.device)
            eps = self.model(x, tt)
            x0 = ((x - tb["s1m"][t] * eps) / tb["sab"][t]).clamp(-1, 1)
            x = tb["c0"][t] * x0 + tb["ct"][t] * x + tb["var"][t].sqrt() * torch.randn_like(x)
        return x.cpu()


def timed(device, fn):
    sync(device)
    start = time.perf_counter()
    out = fn()
    sync(device)
    return out, (time.perf_counter() - start) * 1000


def peak_bytes(device):
    return torch.cuda.max_memory_allocated(device) if device.type == "cuda" else None


def reset_peak(device):
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)


def seconds(ms):
    return f"{ms / 1000:.1f} s"


def run(spec, config):
    case = Case(spec, config)
    dev = case.device
    params = sum(p.numel() for p in case.model.parameters())
    emit({"type": "env", "device": describe(dev), "parameters": params})
    case.model.train()
    timed_ms, count, trained = 0.0, 0, True
    i = 0
    while True:
        phase = "first" if i == 0 else "warmup" if i <= spec["warmup"] else "timed"
        reset_peak(dev)
        loss, ms = timed(dev, case.train_step)
        event = {"type": "train", "phase": phase, "ms": ms, "loss": loss, "kernels": None, "dispatches": None}
        pb = peak_bytes(dev)
        if pb is not None:
            event["peakBytes"] = pb
        emit(event)
        i += 1
        if phase != "first" and ms > spec["capMs"]:
            emit({"type": "stop", "what": "train", "reason": f"one step took {seconds(ms)} > cap {seconds(spec['capMs'])}"})
            trained = False
            break
        if phase != "timed":
            continue
        count += 1
        timed_ms += ms
        if count >= spec["steps"]:
            break
        if timed_ms + ms > spec["timedBudgetMs"]:
            emit({"type": "stop", "what": "train",
                  "reason": f"case budget {seconds(spec['timedBudgetMs'])} spent after {count} timed steps"})
            break
    if trained:
        case.model.eval()
        for batch in spec["sampleBatches"]:
            _, ms = timed(dev, lambda: case.sample(batch, 1))
            emit({"type": "sample", "batch": batch, "phase": "first", "steps": 1, "ms": ms})
            if ms > spec["capMs"]:
                emit({"type": "stop", "what": "sample",
                      "reason": f"batch {batch}: first step took {seconds(ms)} > cap {seconds(spec['capMs'])}"})
                break
            # As bench/env/runCase.ts: at most a quarter of the case budget per batch.
            steps = max(1, min(spec["sampleSteps"], int(spec["timedBudgetMs"] / 4 // ms)))
            _, ms = timed(dev, lambda: case.sample(batch, steps))
            emit({"type": "sample", "batch": batch, "phase": "timed", "steps": steps, "ms": ms})
    if dev.type == "cuda":
        emit({"type": "memory", "gpuBytes": torch.cuda.max_memory_reserved(dev)})
    emit({"type": "done"})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--spec", required=True, help="EnvSpec JSON (bench/lib/types.ts)")
    parser.add_argument("--config", required=True, help="the preset's diffusers UNet2DModel config.json")
    args = parser.parse_args()
    try:
        run(json.loads(args.spec), json.loads(args.config))
    except Exception as e:  # reported as an event so the runner records why
        emit({"type": "error", "message": f"{type(e).__name__}: {e}"})
        sys.exit(1)


if __name__ == "__main__":
    main()
