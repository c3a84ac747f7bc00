"""Independent check of "Export for PyTorch" (run with /usr/bin/python3: torch + numpy, no diffusers).

Runs the exported train.py's own functions on the project that pytorch_export_fixture.ts writes
(fixtures/pytorch_export/), with a numpy stand-in for `safetensors.torch` and a hand-written
torch module tree in place of diffusers' UNet2DModel: the same modules, registered in the same
order as diffusers 0.40 does (attentions before resnets in a block), so its `named_parameters()`
is diffusers' order and `torch.optim.Adam` indexes its state the same way. No forward pass is needed.

It checks, and stops with an error otherwise:
- the parameter order the lab wrote equals the module tree's;
- the weights, EMA weights and Adam moments load through train.py (strict names and shapes);
- the dataset loads from data/train.npz, with the lab's normalisation;
- the metrics CSV header is the lab's, and a resumed CSV keeps the lab's earlier rows' format;
- train.py's lr and EMA decay (its EMAModel subclass driven the way diffusers' EMAModel.step drives
  get_decay, fresh and resumed) equal the transcription of the paper's get_warmed_up_lr, make_ema
  and TF's num_updates warm-up in training_schedule_reference.py, for every case there.

Then it continues the run one optimiser step in torch from the lab's state with a fixed gradient
(g = 1e-3 * sin(0.7 * i + name_seed), i the index in PyTorch layout): clip_grad_norm_, Adam at
train.py's lr for the next step, the EMA update with the reference's decay, and writes
fixtures/pytorch_export_golden.safetensors (weights, moments, EMA after the step, PyTorch layout)
and fixtures/pytorch_export_golden.json (lr and EMA decay schedules, normalisation, smoothed loss, columns),
which src/pytorch/reference.golden.test.ts compares with the lab's own Adam, clipping and EMA.

Last it runs train.py's main() itself with stand-ins for accelerate (one process) and diffusers
(the module tree with a tiny forward): it resumes from lab_state.safetensors at the lab's step,
writes metrics.csv rows and checkpoints from there, and a second launch resumes from its own newest
checkpoint. The real UNet2DModel, DDPMScheduler, EMAModel and multi-process accelerate are not run.
"""

import importlib.util
import json
import math
import pathlib
import struct
import sys
import tempfile
import types

import numpy as np
import torch
from torch import nn

import training_schedule_reference as paper

HERE = pathlib.Path(__file__).parent
PROJECT = HERE / "fixtures" / "pytorch_export"
GOLDEN = HERE / "fixtures" / "pytorch_export_golden"


# --- a numpy stand-in for safetensors.torch (F32 only, as the lab and train.py write) -----------


def load_file(path):
    raw = pathlib.Path(path).read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", info
        a, b = info["data_offsets"]
        data = np.frombuffer(raw[8 + n + a : 8 + n + b], dtype="<f4").reshape(info["shape"])
        out[name] = torch.from_numpy(data.copy())
    return out


def save_file(tensors, path, metadata=None):
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name in sorted(tensors):
        data = tensors[name].detach().cpu().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    pathlib.Path(path).write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))


shim = types.ModuleType("safetensors")
shim_torch = types.ModuleType("safetensors.torch")
shim_torch.load_file, shim_torch.save_file = load_file, save_file
shim.torch = shim_torch
sys.modules["safetensors"], sys.modules["safetensors.torch"] = shim, shim_torch

# The export writes the template unchanged (src/pytorch/project.test.ts), so the fixture holds no
# copy of it: the template is loaded and pointed at the fixture project, as if it sat there.
TEMPLATE = HERE.parent.parent / "src" / "pytorch" / "templates" / "train.py"
spec = importlib.util.spec_from_file_location("exported_train", TEMPLATE)
train = importlib.util.module_from_spec(spec)
spec.loader.exec_module(train)
train.HERE = PROJECT


# --- diffusers' EMAModel as far as train.py relies on it --------------------------------------


class DiffusersEMAModel:
    """diffusers 0.40's training_utils.EMAModel (defaults: update_after_step 0, no power warm-up,
    min_decay 0): step() adds 1 to optimization_step, then asks get_decay(optimization_step) and
    keeps it in cur_decay_value. Its own get_decay is kept so that a subclass that forgets to
    override it fails the checks (it gives the first update decay 0)."""

    def __init__(self, parameters, decay=0.9999):
        self.shadow_params = [p.clone().detach() for p in parameters]
        self.decay, self.optimization_step, self.cur_decay_value = decay, 0, None

    def get_decay(self, optimization_step):
        step = max(0, optimization_step - 1)
        if step <= 0:
            return 0.0
        return max(min((1 + step) / (10 + step), self.decay), 0.0)

    @torch.no_grad()
    def step(self, parameters):
        parameters = list(parameters)
        self.optimization_step += 1
        decay = self.get_decay(self.optimization_step)
        self.cur_decay_value = decay
        for s, p in zip(self.shadow_params, parameters):
            s.sub_((1 - decay) * (s - p))

    def store(self, parameters):
        self.stored = [p.detach().clone() for p in parameters]

    def copy_to(self, parameters):
        for s, p in zip(self.shadow_params, parameters):
            p.data.copy_(s)

    def restore(self, parameters):
        for s, p in zip(self.stored, parameters):
            p.data.copy_(s)

    to = lambda self, device: None


LabEMAModel = train.lab_ema_model(DiffusersEMAModel)


def ema_decays(decay, warmup, first, count):
    """The decays of train.py's EMA for updates first .. first+count-1 (resumed at `first` as
    train.py resumes: optimization_step set to the step count)."""
    ema = LabEMAModel([], decay, warmup)
    ema.optimization_step = first
    out = []
    for _ in range(count):
        ema.step([])
        out.append(ema.cur_decay_value)
    return out


def check_schedules():
    """train.py's lr and EMA decay against the transcription of the paper's functions."""
    for name, lr, warmup, decay, ema_warmup in paper.CASES:
        for n in range(paper.STEPS):
            assert train.learning_rate(lr, warmup, n) == paper.get_warmed_up_lr(lr, warmup, n), (name, n)
        want = [paper.ema_decay_at(decay, ema_warmup, n) for n in range(paper.STEPS + 5)]
        assert ema_decays(decay, ema_warmup, 0, paper.STEPS + 5) == want, (name, want)
        assert ema_decays(decay, ema_warmup, 3, 7) == want[3:], (name, "resumed")


# --- diffusers' UNet2DModel module tree, parameters only ----------------------------------------


class Resnet(nn.Module):
    def __init__(self, cin, cout, temb, groups):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.time_emb_proj = nn.Linear(temb, cout)
        self.norm2 = nn.GroupNorm(groups, cout)
        self.dropout = nn.Dropout(0.0)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.conv_shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else None


class Attention(nn.Module):
    def __init__(self, ch, groups):
        super().__init__()
        self.group_norm = nn.GroupNorm(groups, ch)
        self.to_q, self.to_k, self.to_v = nn.Linear(ch, ch), nn.Linear(ch, ch), nn.Linear(ch, ch)
        self.to_out = nn.ModuleList([nn.Linear(ch, ch), nn.Dropout(0.0)])


class Resample(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3)


class Block(nn.Module):
    def __init__(self, resnets, attention, resample, groups, kind):
        super().__init__()
        # diffusers assigns self.attentions before self.resnets in every attention block.
        if attention:
            self.attentions = nn.ModuleList([Attention(r[1], groups) for r in resnets])
        self.resnets = nn.ModuleList([Resnet(*r, groups) for r in resnets])
        if resample:
            setattr(self, kind, nn.ModuleList([Resample(resnets[-1][1])]))


class TimestepEmbedding(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.linear_1, self.act, self.linear_2 = nn.Linear(cin, cout), nn.SiLU(), nn.Linear(cout, cout)


class SkeletonUNet(nn.Module):
    def __init__(self, c):
        super().__init__()
        ch, n, g = c["block_out_channels"], c["layers_per_block"], c["norm_num_groups"]
        temb = ch[0] * 4
        self.conv_in = nn.Conv2d(c["in_channels"], ch[0], 3, padding=1)
        self.time_embedding = TimestepEmbedding(ch[0], temb)
        self.down_blocks = nn.ModuleList()
        out = ch[0]
        for i, kind in enumerate(c["down_block_types"]):
            cin, out = out, ch[i]
            resnets = [(cin if j == 0 else out, out, temb) for j in range(n)]
            self.down_blocks.append(Block(resnets, kind == "AttnDownBlock2D", i < len(ch) - 1, g, "downsamplers"))
        mid = Block([(ch[-1], ch[-1], temb)] * 2, True, False, g, None)
        self.mid_block = nn.Module()
        self.mid_block.attentions = nn.ModuleList([mid.attentions[0]])
        self.mid_block.resnets = mid.resnets
        rev = list(reversed(ch))
        self.up_blocks = nn.ModuleList()
        out = rev[0]
        for i, kind in enumerate(c["up_block_types"]):
            prev, out = out, rev[i]
            skip = rev[min(i + 1, len(ch) - 1)]
            resnets = [((prev if j == 0 else out) + (skip if j == n else out), out, temb) for j in range(n + 1)]
            self.up_blocks.append(Block(resnets, kind == "AttnUpBlock2D", i < len(ch) - 1, g, "upsamplers"))
        self.conv_norm_out = nn.GroupNorm(g, ch[0])
        self.conv_act = nn.SiLU()
        self.conv_out = nn.Conv2d(ch[0], c["out_channels"], 3, padding=1)


def fixed_gradient(name, shape):
    seed = sum(map(ord, name)) % 997
    i = torch.arange(int(np.prod(shape)), dtype=torch.float64)
    return (1e-3 * torch.sin(0.7 * i + seed)).reshape(shape).float()


def main():
    check_schedules()
    settings = train.load_project(PROJECT)
    run = settings["run"]["training"]
    groups, meta = train.load_training_state(PROJECT / "lab_state.safetensors")
    step = meta["step"]

    model = SkeletonUNet(settings["unet"])
    names = [n for n, _ in model.named_parameters()]
    assert meta["parameterOrder"] == names, "the lab's parameter order is not diffusers' registration order"
    train.restore_weights(model, groups, meta)
    named = list(model.named_parameters())
    params = [p for _, p in named]
    ema = [p.detach().clone() for p in params]
    train.restore_ema(ema, names, groups)
    adam = torch.optim.Adam(params, lr=run["lr"], betas=train.ADAM_BETAS, eps=train.ADAM_EPS)
    train.restore_adam(adam, named, groups, meta["adamStep"])
    assert train.adam_step_count(adam, params) == meta["adamStep"]

    # What train.py saves at a checkpoint is what it loaded, bit for bit (the checkpoint round trip).
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / "training_state.safetensors"
        save_file(train.state_tensors(named, ema, adam), path, train.state_metadata(step, meta["adamStep"], names, meta["extra"]))
        again, meta_again = train.load_training_state(path)
        assert meta_again["step"] == step and meta_again["parameterOrder"] == names
        for group in groups:
            for name, t in groups[group].items():
                assert torch.equal(again[group][name], t), f"{group}/{name} changed on the way through train.py"

        # metrics.csv: the lab's columns; a resume keeps rows up to its step and drops later ones.
        csv_path = pathlib.Path(tmp) / "metrics.csv"
        timesteps = settings["scheduler"]["num_train_timesteps"]
        log = train.MetricsCsv(csv_path, timesteps, step)
        log.row(step + 1, 0.5, 0.6, 1e-4, 2.0, 0.25)
        log.row(step + 2, 0.4, 0.5, 1e-4, 2.0, None, [0.1] * train.LOSS_PER_T_BUCKETS)
        log.close()
        log = train.MetricsCsv(csv_path, timesteps, step + 1)
        log.close()
        rows = csv_path.read_text().splitlines()
        lab_header = (PROJECT / "lab_metrics.csv").read_text().splitlines()[0]
        assert rows[0] == lab_header, (rows[0], lab_header)
        assert len(rows) == 2 and rows[1].startswith(f"{step + 1},0.5,"), rows

    # The dataset as train.py loads it.
    images, allows_flip = train.load_images(settings, PROJECT)
    scale, offset = train.normalization(images, run["normalization"])
    order = train.BatchOrder(len(images), run["batchSize"], run["seed"], **meta["extra"]["order"])
    batch = order.next()
    assert len(batch) == run["batchSize"] and len(set(batch.tolist())) == run["batchSize"]
    t, eps, flips = train.step_randomness(run["seed"], step, run["batchSize"], timesteps, (images.shape[3], 8, 8), run["sharedT"], allows_flip)
    x0 = train.model_inputs(torch.from_numpy(images), batch, flips, torch.tensor(scale), torch.tensor(offset))
    assert x0.shape == (run["batchSize"], images.shape[3], 8, 8) and torch.isfinite(x0).all()
    assert 0 <= int(t.min()) and int(t.max()) < timesteps and eps.shape == x0.shape

    # One step continued in torch: clip, Adam at the next step's lr, EMA with diffusers' decay.
    lr = train.learning_rate(run["lr"], run["warmupSteps"], step)
    for group in adam.param_groups:
        group["lr"] = lr
    for name, p in named:
        p.grad = fixed_gradient(name, p.shape)
    grad_norm = float(torch.nn.utils.clip_grad_norm_(params, run["gradClipNorm"]))
    adam.step()
    # The reference's decay of update `step`; train.py's EMA (resumed at `step`) gives the same.
    decay = paper.ema_decay_at(run["emaDecay"], run["emaWarmup"], step)
    assert ema_decays(run["emaDecay"], run["emaWarmup"], step, 1) == [decay]
    with torch.no_grad():
        for shadow, p in zip(ema, params):
            shadow.sub_((1 - decay) * (shadow - p))

    out = {}
    for i, (name, p) in enumerate(named):
        out[f"unet/{name}"] = p.detach()
        out[f"ema/{name}"] = ema[i]
        out[f"optimizer.exp_avg/{name}"] = adam.state[p]["exp_avg"]
        out[f"optimizer.exp_avg_sq/{name}"] = adam.state[p]["exp_avg_sq"]
    save_file(out, GOLDEN.with_suffix(".safetensors"))

    smoother = train.Smoother(**meta["extra"]["metrics"]["smoother"])
    golden = {
        "step": step,
        "adam_step_after": train.adam_step_count(adam, params),
        "lr": lr,
        "ema_decay": decay,
        "grad_norm_before_clip": grad_norm,
        "lr_schedule": {str(n): train.learning_rate(run["lr"], run["warmupSteps"], n) for n in [0, 1, 3, 9, 10, 1000]},
        # train.py's EMA decay of updates 0..5 for the run's decay, with and without emaWarmup.
        "ema_decay_schedule": {
            str(warmup).lower(): ema_decays(run["emaDecay"], warmup, 0, 6) for warmup in (False, True)
        },
        "normalization": {"scale": scale, "offset": offset},
        "unit_normalization": dict(zip(["scale", "offset"], train.normalization(images, "unit"))),
        "smoothed_after_0.5": smoother.add(0.5),
        "loss_per_t_columns": train.loss_per_t_columns(timesteps),
        "loss_per_t_columns_10_3": train.loss_per_t_columns(10, 3),
        "image_count": int(len(images)),
        "allows_flip": allows_flip,
    }
    GOLDEN.with_suffix(".json").write_text(json.dumps(golden, indent=2) + "\n")
    print(f"checks passed; wrote {GOLDEN}.safetensors and .json (step {step} -> {step + 1}, lr {lr:.3g}, ema decay {decay:.4f})")


# --- train.py's main() end to end, with stand-ins for accelerate and diffusers ------------------


def install_stand_ins():
    """Single-process accelerate, and diffusers' classes as far as train.py uses them: the module tree
    above with a tiny forward (conv_in, conv_norm_out, conv_out), the scheduler's add_noise from
    linear betas, DiffusersEMAModel above, and a pipeline that saves its unet's weights."""
    import contextlib

    class Accelerator:
        def __init__(self, mixed_precision="no"):
            assert mixed_precision == "no"
            self.num_processes, self.process_index, self.is_main_process = 1, 0, True
            self.device = torch.device("cpu")

        prepare = staticmethod(lambda *objects: objects)
        unwrap_model = staticmethod(lambda m: m)
        autocast = staticmethod(contextlib.nullcontext)
        backward = staticmethod(lambda loss: loss.backward())
        clip_grad_norm_ = staticmethod(torch.nn.utils.clip_grad_norm_)
        gather = staticmethod(lambda t: t)
        wait_for_everyone = end_training = staticmethod(lambda: None)

    class UNet2DModel(SkeletonUNet):
        @classmethod
        def from_config(cls, config):
            return cls(config)

        def forward(self, x, t):
            h = self.conv_in(x)
            return types.SimpleNamespace(sample=self.conv_out(torch.nn.functional.silu(self.conv_norm_out(h))))

    class DDPMScheduler:
        def __init__(self, config):
            self.config = types.SimpleNamespace(**config)
            betas = torch.linspace(config["beta_start"], config["beta_end"], config["num_train_timesteps"])
            self.alphas_cumprod = torch.cumprod(1 - betas, 0)

        from_config = classmethod(lambda cls, config: cls(config))

        def add_noise(self, x0, eps, t):
            a = self.alphas_cumprod[t].view(-1, 1, 1, 1)
            return a.sqrt() * x0 + (1 - a).sqrt() * eps

    class DDPMPipeline:
        def __init__(self, unet, scheduler):
            self.unet = unet

        def save_pretrained(self, folder):
            pathlib.Path(folder, "unet").mkdir(parents=True)
            save_file(dict(self.unet.state_dict()), pathlib.Path(folder, "unet", "diffusion_pytorch_model.safetensors"))

    accelerate = types.ModuleType("accelerate")
    accelerate.Accelerator = Accelerator
    diffusers = types.ModuleType("diffusers")
    diffusers.UNet2DModel, diffusers.DDPMScheduler, diffusers.DDPMPipeline = UNet2DModel, DDPMScheduler, DDPMPipeline
    training_utils = types.ModuleType("diffusers.training_utils")
    training_utils.EMAModel = DiffusersEMAModel
    sys.modules.update({"accelerate": accelerate, "diffusers": diffusers, "diffusers.training_utils": training_utils})


def run_main_loop():
    """train.py's main(): resumes from lab_state at its step, trains, checkpoints, resumes from its own."""
    install_stand_ins()
    _, meta = train.load_training_state(PROJECT / "lab_state.safetensors")
    step = meta["step"]
    lab_rows = (PROJECT / "lab_metrics.csv").read_text().splitlines()
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "output"
        train.main(["--output-dir", str(out), "--steps", str(step + 3), "--checkpoint-every", "2"])
        rows = (out / "metrics.csv").read_text().splitlines()
        assert rows[0] == lab_rows[0], "metrics.csv columns differ from the lab's"
        steps = [int(r.split(",")[0]) for r in rows[1:]]
        assert steps == [step + 1, step + 2, step + 3], steps
        run = train.load_project(PROJECT)["run"]["training"]
        for k, row in enumerate(rows[1:]):
            cells = row.split(",")
            assert float(cells[3]) == paper.get_warmed_up_lr(run["lr"], run["warmupSteps"], step + k), row
            assert float(cells[5]) == paper.ema_decay_at(run["emaDecay"], run["emaWarmup"], step + k), row
        saved = sorted(p.name for p in (out / "checkpoints").iterdir())
        assert saved == [f"step-{step + 1:08d}", f"step-{step + 3:08d}"], saved
        _, last = train.load_training_state(out / "checkpoints" / saved[-1] / "training_state.safetensors")
        assert last["step"] == step + 3 and last["adamStep"] == meta["adamStep"] + 3, last
        assert last["extra"]["metrics"]["smoother"]["n"] == meta["extra"]["metrics"]["smoother"]["n"] + 3
        # A second launch resumes from the newest checkpoint and keeps the rows before it.
        train.main(["--output-dir", str(out), "--steps", str(step + 5), "--checkpoint-every", "100"])
        steps = [int(r.split(",")[0]) for r in (out / "metrics.csv").read_text().splitlines()[1:]]
        assert steps == list(range(step + 1, step + 6)), steps
        _, final = train.load_training_state(out / "checkpoints" / f"step-{step + 5:08d}" / "training_state.safetensors")
        assert final["adamStep"] == meta["adamStep"] + 5
    print(f"train.py main() ran with stand-ins: resumed at step {step}, checkpointed, resumed again to {step + 5}")


if __name__ == "__main__":
    main()
    run_main_loop()
