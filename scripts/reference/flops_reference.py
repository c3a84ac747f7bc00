"""Independent reference for src/model/flops.ts: forward FLOPs of the four U-Net presets as counted
by PyTorch's own profiler (torch.profiler with_flops) on the reference U-Net of unet_reference.py.

Only the matrix products are summed (aten::conv2d, aten::addmm, aten::mm, aten::bmm), the same
convention as flops.ts; elementwise ops, which the profiler also counts, are left out.
The preset architectures are written out here from the design notes, not read from the lab.

Writes scripts/reference/fixtures/flops_golden.json.
Run with Debian's interpreter (torch 1.13):  /usr/bin/python3 scripts/reference/flops_reference.py
"""

import json
import os

import torch

import unet_reference as R

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "flops_golden.json")
BATCH = 2
PRODUCTS = {"aten::conv2d", "aten::addmm", "aten::mm", "aten::bmm"}

DDPM_STYLE = dict(attention_head_dim=None, norm_eps=1e-6, downsample_padding=0, flip_sin_to_cos=False, freq_shift=1)
PRESETS = {
    "tiny": dict(in_channels=3, out_channels=3, block_out_channels=[32, 64], layers_per_block=1, sample_size=16,
                 down_block_types=["DownBlock2D", "AttnDownBlock2D"], up_block_types=["AttnUpBlock2D", "UpBlock2D"],
                 norm_num_groups=8),
    "mnist": dict(in_channels=1, out_channels=1, block_out_channels=[32, 64, 64], layers_per_block=2, sample_size=32,
                  down_block_types=["DownBlock2D", "AttnDownBlock2D", "DownBlock2D"],
                  up_block_types=["UpBlock2D", "AttnUpBlock2D", "UpBlock2D"], norm_num_groups=8),
    "cifar-small": dict(in_channels=3, out_channels=3, block_out_channels=[64, 128, 128], layers_per_block=2,
                        sample_size=32, down_block_types=["DownBlock2D", "AttnDownBlock2D", "DownBlock2D"],
                        up_block_types=["UpBlock2D", "AttnUpBlock2D", "UpBlock2D"], norm_num_groups=32),
    "paper-cifar10": dict(in_channels=3, out_channels=3, block_out_channels=[128, 256, 256, 256], layers_per_block=2,
                          sample_size=32,
                          down_block_types=["DownBlock2D", "AttnDownBlock2D", "DownBlock2D", "DownBlock2D"],
                          up_block_types=["UpBlock2D", "UpBlock2D", "AttnUpBlock2D", "UpBlock2D"],
                          norm_num_groups=32),
}


def forward_flops(cfg):
    model = R.UNet({**R.BASE, **DDPM_STYLE, **cfg}).eval()
    side = cfg["sample_size"]
    x = torch.randn(BATCH, cfg["in_channels"], side, side)
    t = torch.tensor([10.0] * BATCH)
    with torch.no_grad(), torch.profiler.profile(with_flops=True) as prof:
        model(x, t)
    per_op = {e.key: e.flops for e in prof.key_averages() if e.key in PRODUCTS}
    params = sum(p.numel() for p in model.parameters())
    return sum(per_op.values()), per_op, params


def main():
    presets = {}
    for name, cfg in PRESETS.items():
        total, per_op, params = forward_flops(cfg)
        presets[name] = {"forward_flops": total, "by_op": per_op, "parameters": params}
        print(f"{name}: {total / 1e9:.3f} GFLOP forward at batch {BATCH}, {params} parameters")
    with open(OUT, "w") as f:
        json.dump({"batch": BATCH, "presets": presets}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
