#!/usr/bin/env bash
# Packs the GPU benchmark for a machine with no network and perhaps no Node (see README.md):
#   bench/out/gpu/bench.mjs        the runner (esbuild bundle of bench/run.ts)
#   bench/out/gpu/node-case.mjs    one case in Node: tfjs-core + CPU/WebGPU backends + model + step
#   bench/out/gpu/node.xz          this machine's Node binary, xz -9 (~24 MB)
#   bench/out/gpu/dawn.node.xz     the webgpu package's Dawn binding for linux-x64, xz -9
#   bench/out/gpu/lib/libvulkan.so.1  a Vulkan loader, used only where the system has none
# Run from the repository root: bash bench/gpu/prepare.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
out=bench/out/gpu
rm -rf "$out"
mkdir -p "$out/lib"
npx tsx bench/gpu/build.ts "$out"
xz -9 -T0 -c "$(command -v node)" > "$out/node.xz"
xz -9 -T0 -c node_modules/webgpu/dist/linux-x64/dawn.node > "$out/dawn.node.xz"
for loader in /usr/lib/x86_64-linux-gnu/libvulkan.so.1 /usr/lib/chromium/libvulkan.so.1; do
  if [ -f "$loader" ]; then cp -L "$loader" "$out/lib/libvulkan.so.1"; break; fi
done
# The NVIDIA Vulkan driver (libGLX_nvidia) needs glvnd's libraries, which a bare CUDA image may
# lack along with the loader: Debian's packages, unpacked there only when no loader is installed.
mkdir -p "$out/debs" /tmp/amd64/partial
apt_opts=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64)
apt-get "${apt_opts[@]}" update -qq
(cd "$out/debs" && apt-get "${apt_opts[@]}" download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
rm -f "$out/browser-case.js" # no browser on the GPU machine
ls -la "$out" "$out/lib"; du -sh "$out"
