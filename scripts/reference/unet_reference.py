"""Independent PyTorch reference for the lab's U-Net (src/model/).

diffusers is not installed here, so this re-implements UNet2DModel's semantics from
docs/ddpm.md §2 in plain torch, with diffusers' parameter names, plus the lab-only
`lab_norm_after_conv_in: "batch"` ablation (torch.nn.BatchNorm2d after conv_in).

For each small config it writes scripts/reference/fixtures/unet_<name>.safetensors holding:
  - every weight under its diffusers state-dict name (PyTorch layouts), seeded random, non-zero;
  - fixture.sample [B,C,H,W], fixture.timestep [B] (float32), fixture.target [B,C_out,H,W];
  - fixture.output: the forward output (eval mode; for the BatchNorm config, training mode);
  - fixture.grad.<name>: d MSE(output, target) / d <name> for a few parameters, and
    fixture.grad.sample for the input;
  - BatchNorm config only: fixture.output_eval (running statistics) and
    fixture.running_mean_after / fixture.running_var_after (after one training forward).
The header's __metadata__ holds the config.json as "config" and the gradient names as "grads".

Run with Debian's interpreter (torch 1.13):  /usr/bin/python3 scripts/reference/unet_reference.py
"""

import json
import math
import os
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


class Resnet(nn.Module):
    def __init__(self, cin, cout, temb, groups, eps):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, cin, eps=eps)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.time_emb_proj = nn.Linear(temb, cout)
        self.norm2 = nn.GroupNorm(groups, cout, eps=eps)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.conv_shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, temb):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.time_emb_proj(F.silu(temb))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))  # dropout 0 in every fixture
        if self.conv_shortcut is not None:
            x = self.conv_shortcut(x)
        return x + h


class Attention(nn.Module):
    def __init__(self, ch, head_dim, groups, eps):
        super().__init__()
        self.heads = ch // (head_dim or ch)
        self.group_norm = nn.GroupNorm(groups, ch, eps=eps)
        self.to_q = nn.Linear(ch, ch)
        self.to_k = nn.Linear(ch, ch)
        self.to_v = nn.Linear(ch, ch)
        self.to_out = nn.ModuleList([nn.Linear(ch, ch), nn.Dropout(0.0)])

    def forward(self, x):
        b, c, hh, ww = x.shape
        n, d = hh * ww, c // self.heads
        tokens = self.group_norm(x).reshape(b, c, n).transpose(1, 2)  # [b, n, c]

        def split(t):  # [b, n, c] -> [b*heads, n, d]
            return t.reshape(b, n, self.heads, d).permute(0, 2, 1, 3).reshape(b * self.heads, n, d)

        q, k, v = split(self.to_q(tokens)), split(self.to_k(tokens)), split(self.to_v(tokens))
        w = torch.softmax(torch.bmm(q, k.transpose(1, 2)) / math.sqrt(d), dim=-1)
        o = torch.bmm(w, v).reshape(b, self.heads, n, d).permute(0, 2, 1, 3).reshape(b, n, c)
        o = self.to_out[0](o)
        return o.transpose(1, 2).reshape(b, c, hh, ww) + x


class Down(nn.Module):
    def __init__(self, conv, padding):
        super().__init__()
        self.conv = conv
        self.padding = padding

    def forward(self, x):
        if self.padding == 0:
            x = F.pad(x, (0, 1, 0, 1))
        return self.conv(x)


class Up(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class Block(nn.Module):
    def __init__(self, resnets, attentions, resample, name):
        super().__init__()
        self.resnets = nn.ModuleList(resnets)
        if attentions:
            self.attentions = nn.ModuleList(attentions)
        else:
            self.attentions = None
        self.resample_name = name if resample is not None else None
        if resample is not None:
            setattr(self, name, nn.ModuleList([resample]))

    def resample(self, x):
        return getattr(self, self.resample_name)[0](x)


class Mid(nn.Module):
    def __init__(self, ch, temb, head_dim, groups, eps):
        super().__init__()
        self.resnets = nn.ModuleList([Resnet(ch, ch, temb, groups, eps), Resnet(ch, ch, temb, groups, eps)])
        self.attentions = nn.ModuleList([Attention(ch, head_dim, groups, eps)])


class TimeEmbedding(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.linear_1 = nn.Linear(cin, cout)
        self.linear_2 = nn.Linear(cout, cout)

    def forward(self, x):
        return self.linear_2(F.silu(self.linear_1(x)))


def timestep_embedding(t, dim, flip, shift):
    half = dim // 2
    exponent = -math.log(10000) * torch.arange(0, half, dtype=torch.float32, device=t.device) / (half - shift)
    args = t[:, None].float() * torch.exp(exponent)[None, :]
    emb = torch.cat([torch.sin(args), torch.cos(args)], dim=-1)
    if flip:
        emb = torch.cat([emb[:, half:], emb[:, :half]], dim=-1)
    if dim % 2 == 1:
        emb = F.pad(emb, (0, 1, 0, 0))
    return emb


class UNet(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        ch = cfg["block_out_channels"]
        g, eps, L, head = cfg["norm_num_groups"], cfg["norm_eps"], cfg["layers_per_block"], cfg["attention_head_dim"]
        temb = ch[0] * 4
        self.conv_in = nn.Conv2d(cfg["in_channels"], ch[0], 3, padding=1)
        self.conv_in_norm = nn.BatchNorm2d(ch[0]) if cfg.get("lab_norm_after_conv_in") == "batch" else None
        self.time_embedding = TimeEmbedding(ch[0], temb)
        downs, out = [], ch[0]
        for i, kind in enumerate(cfg["down_block_types"]):
            cin, out = out, ch[i]
            res = [Resnet(cin if j == 0 else out, out, temb, g, eps) for j in range(L)]
            att = [Attention(out, head, g, eps) for _ in range(L)] if kind == "AttnDownBlock2D" else []
            pad = cfg["downsample_padding"]
            rs = Down(nn.Conv2d(out, out, 3, stride=2, padding=pad), pad) if i < len(ch) - 1 else None
            downs.append(Block(res, att, rs, "downsamplers"))
        self.down_blocks = nn.ModuleList(downs)
        self.mid_block = Mid(ch[-1], temb, head, g, eps)
        rev, ups, out = list(reversed(ch)), [], ch[-1]
        for i, kind in enumerate(cfg["up_block_types"]):
            prev, out = out, rev[i]
            skip_in = rev[min(i + 1, len(ch) - 1)]
            n = L + 1
            res = [
                Resnet((prev if j == 0 else out) + (skip_in if j == n - 1 else out), out, temb, g, eps) for j in range(n)
            ]
            att = [Attention(out, head, g, eps) for _ in range(n)] if kind == "AttnUpBlock2D" else []
            rs = Up(out) if i < len(ch) - 1 else None
            ups.append(Block(res, att, rs, "upsamplers"))
        self.up_blocks = nn.ModuleList(ups)
        self.conv_norm_out = nn.GroupNorm(g, ch[0], eps=eps)
        self.conv_out = nn.Conv2d(ch[0], cfg["out_channels"], 3, padding=1)

    def forward(self, x, t):
        cfg = self.cfg
        emb = self.time_embedding(
            timestep_embedding(t, cfg["block_out_channels"][0], cfg["flip_sin_to_cos"], cfg["freq_shift"])
        )
        h = self.conv_in(x)
        if self.conv_in_norm is not None:
            h = self.conv_in_norm(h)
        skips = [h]
        for blk in self.down_blocks:
            for j, r in enumerate(blk.resnets):
                h = r(h, emb)
                if blk.attentions is not None:
                    h = blk.attentions[j](h)
                skips.append(h)
            if blk.resample_name is not None:
                h = blk.resample(h)
                skips.append(h)
        m = self.mid_block
        h = m.resnets[1](m.attentions[0](m.resnets[0](h, emb)), emb)
        for blk in self.up_blocks:
            for j, r in enumerate(blk.resnets):
                h = r(torch.cat([h, skips.pop()], dim=1), emb)
                if blk.attentions is not None:
                    h = blk.attentions[j](h)
            if blk.resample_name is not None:
                h = blk.resample(h)
        assert not skips
        return self.conv_out(F.silu(self.conv_norm_out(h)))


def state_dict(model):
    """Parameters and BatchNorm running statistics under diffusers' names (no bookkeeping buffers)."""
    out = {}
    for name, t in model.state_dict().items():
        if name.endswith("num_batches_tracked"):
            continue
        out[name] = t.detach().clone()
    return out


def randomise(model, gen):
    """Seeded non-zero values everywhere, scaled so activations stay O(1)."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() > 1:
                fan_in = p[0].numel()
                p.copy_(torch.randn(p.shape, generator=gen) / math.sqrt(fan_in))
            elif "norm" in name and name.endswith("weight"):
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=gen))
            else:
                p.copy_(0.1 * torch.randn(p.shape, generator=gen))
        if model.conv_in_norm is not None:
            model.conv_in_norm.running_mean.copy_(0.3 * torch.randn(model.conv_in_norm.running_mean.shape, generator=gen))
            model.conv_in_norm.running_var.copy_(0.5 + torch.rand(model.conv_in_norm.running_var.shape, generator=gen))


def write_safetensors(path, tensors, metadata):
    """The safetensors format by hand: u64 LE header length, JSON header, raw LE float32 data."""
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name in sorted(tensors):
        data = np.ascontiguousarray(tensors[name].detach().cpu().numpy().astype("<f4")).tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * ((8 - len(head) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for b in blobs:
            f.write(b)


BASE = {
    "_class_name": "UNet2DModel",
    "act_fn": "silu",
    "center_input_sample": False,
    "time_embedding_type": "positional",
    "mid_block_scale_factor": 1,
    "dropout": 0.0,
}

CONFIGS = [
    # One-head attention at the lower level, RGB, the DDPM checkpoint's padding and embedding.
    dict(
        name="attn_rgb_pad0",
        cfg=dict(
            in_channels=3, out_channels=3, block_out_channels=[8, 16], layers_per_block=1,
            down_block_types=["DownBlock2D", "AttnDownBlock2D"], up_block_types=["AttnUpBlock2D", "UpBlock2D"],
            attention_head_dim=None, norm_num_groups=4, norm_eps=1e-6, downsample_padding=0,
            flip_sin_to_cos=False, freq_shift=1, sample_size=16,
        ),
        shape=(2, 3, 16, 16), t=[17.0, 803.0],
        grads=["conv_in.weight", "time_embedding.linear_1.weight", "down_blocks.0.downsamplers.0.conv.weight",
               "down_blocks.1.attentions.0.to_q.weight", "mid_block.attentions.0.to_out.0.bias",
               "up_blocks.0.upsamplers.0.conv.weight", "up_blocks.1.resnets.1.norm1.weight", "conv_out.weight"],
    ),
    # No block attention, one channel, three levels, symmetric padding, [cos, sin].
    dict(
        name="plain_gray_pad1_flip",
        cfg=dict(
            in_channels=1, out_channels=1, block_out_channels=[4, 8, 8], layers_per_block=2,
            down_block_types=["DownBlock2D"] * 3, up_block_types=["UpBlock2D"] * 3,
            attention_head_dim=None, norm_num_groups=2, norm_eps=1e-5, downsample_padding=1,
            flip_sin_to_cos=True, freq_shift=0, sample_size=8,
        ),
        shape=(2, 1, 8, 8), t=[0.0, 999.0],
        grads=["conv_in.bias", "time_embedding.linear_2.weight", "down_blocks.1.resnets.0.conv_shortcut.weight",
               "down_blocks.1.downsamplers.0.conv.weight", "mid_block.attentions.0.to_v.weight",
               "up_blocks.1.upsamplers.0.conv.bias", "up_blocks.2.resnets.2.conv2.weight", "conv_norm_out.bias"],
    ),
    # Two heads (four in the mid block), attention at the top level on both paths, 2 output channels, a non-square input.
    dict(
        name="multihead_nonsquare",
        cfg=dict(
            in_channels=3, out_channels=2, block_out_channels=[8, 16], layers_per_block=1,
            down_block_types=["AttnDownBlock2D", "DownBlock2D"], up_block_types=["UpBlock2D", "AttnUpBlock2D"],
            attention_head_dim=4, norm_num_groups=4, norm_eps=1e-6, downsample_padding=0,
            flip_sin_to_cos=True, freq_shift=1, sample_size=[8, 12],
        ),
        shape=(2, 3, 8, 12), t=[250.5, 42.0],
        grads=["down_blocks.0.attentions.0.to_k.weight", "down_blocks.0.attentions.0.group_norm.weight",
               "mid_block.attentions.0.to_q.bias", "up_blocks.1.attentions.1.to_out.0.weight",
               "up_blocks.0.upsamplers.0.conv.weight", "conv_out.bias"],
    ),
    # The lab-only BatchNorm after conv_in (training-mode output and running statistics), two heads.
    dict(
        name="batchnorm_lab",
        cfg=dict(
            in_channels=3, out_channels=3, block_out_channels=[8, 16], layers_per_block=1,
            down_block_types=["DownBlock2D", "DownBlock2D"], up_block_types=["UpBlock2D", "UpBlock2D"],
            attention_head_dim=8, norm_num_groups=4, norm_eps=1e-6, downsample_padding=0,
            flip_sin_to_cos=False, freq_shift=1, sample_size=8, lab_norm_after_conv_in="batch",
        ),
        shape=(4, 3, 8, 8), t=[5.0, 120.0, 600.0, 990.0],
        grads=["conv_in.weight", "conv_in_norm.weight", "conv_in_norm.bias", "mid_block.attentions.0.to_k.weight",
               "down_blocks.0.resnets.0.conv1.weight"],
    ),
]


def build(spec, seed):
    gen = torch.Generator().manual_seed(seed)
    cfg = {**BASE, **spec["cfg"]}
    model = UNet(cfg)
    randomise(model, gen)
    sample = torch.randn(spec["shape"], generator=gen)
    t = torch.tensor(spec["t"], dtype=torch.float32)
    target_shape = (spec["shape"][0], cfg["out_channels"], *spec["shape"][2:])
    target = torch.randn(target_shape, generator=gen)
    return cfg, model, sample, t, target


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    for seed, spec in enumerate(CONFIGS):
        cfg, model, sample, t, target = build(spec, 1000 + seed)
        tensors = state_dict(model)  # weights (and initial running statistics) before any training forward
        extra = {"fixture.sample": sample, "fixture.timestep": t, "fixture.target": target}
        is_bn = model.conv_in_norm is not None
        if is_bn:
            model.eval()
            with torch.no_grad():
                extra["fixture.output_eval"] = model(sample, t)
            model.train()
        else:
            model.eval()
        x = sample.clone().requires_grad_(True)
        out = model(x, t)
        loss = F.mse_loss(out, target)
        loss.backward()
        extra["fixture.output"] = out.detach()
        extra["fixture.grad.sample"] = x.grad
        params = dict(model.named_parameters())
        for name in spec["grads"]:
            extra[f"fixture.grad.{name}"] = params[name].grad
        if is_bn:
            extra["fixture.running_mean_after"] = model.conv_in_norm.running_mean.clone()
            extra["fixture.running_var_after"] = model.conv_in_norm.running_var.clone()
        tensors.update(extra)
        meta = {"config": json.dumps(cfg), "grads": json.dumps(spec["grads"]), "loss": repr(loss.item())}
        path = os.path.join(OUT_DIR, f"unet_{spec['name']}.safetensors")
        write_safetensors(path, tensors, meta)
        n_params = sum(p.numel() for p in model.parameters())
        print(f"{spec['name']}: {n_params} parameters, loss {loss.item():.6f}, {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    torch.manual_seed(0)
    main()
