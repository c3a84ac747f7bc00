#!/usr/bin/env bash
# The GPU benchmark on a machine with an NVIDIA GPU, Vulkan and PyTorch, without network or
# node_modules (see README.md). Needs bench/out/gpu from prepare.sh. From the repository root:
#   bash bench/gpu/run.sh [extra npm-run-bench options]
# Environment: BUDGET (seconds for the whole run, default 420), PRESETS, BACKENDS, PYTHON,
# RESULTS (results folder, default bench/results; RESULTS.md goes beside it), OUT (a folder to copy
# the results into), FORCE_PACKED_NODE=1 (use the packed Node even if one exists).
set -euo pipefail
cd "$(dirname "$0")/../.."
pack=bench/out/gpu
work=$(mktemp -d /tmp/bench-gpu.XXXXXX)
trap 'rm -rf "$work"' EXIT
[ -f "$pack/bench.mjs" ] || { echo "run.sh: $pack/bench.mjs is missing: run bash bench/gpu/prepare.sh first" >&2; exit 2; }

# The first interpreter that has torch (a venv's python3 may not).
python=${PYTHON:-}
if [ -z "$python" ]; then
  for candidate in python3 /usr/bin/python3 python; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import torch' 2>/dev/null; then python=$candidate; break; fi
  done
fi
python=${python:-python3}

echo "== tools"
for tool in node nvidia-smi vulkaninfo python3 xz; do printf '%-11s %s\n' "$tool" "$(command -v "$tool" || echo -)"; done
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo "nvidia-smi: no NVIDIA GPU"

unxz_to() { # unxz_to FILE.xz DEST: xz if present, else Python's lzma
  if command -v xz >/dev/null; then xz -dc "$1" > "$2"; else "$python" -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2],"wb"))' "$1" "$2"; fi
}

node_bin=$(command -v node || true)
if [ -n "${FORCE_PACKED_NODE:-}" ] || [ -z "$node_bin" ] || ! "$node_bin" -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)'; then
  unxz_to "$pack/node.xz" "$work/node"
  chmod +x "$work/node"
  node_bin="$work/node"
fi
unxz_to "$pack/dawn.node.xz" "$work/dawn.node"
echo "node        $node_bin ($("$node_bin" --version))"
echo "torch       $python: $("$python" -c 'import torch; print(torch.__version__, "cuda", torch.cuda.is_available())' 2>&1 | tail -1)"

# Dawn dlopens libvulkan.so.1, and NVIDIA's Vulkan driver needs glvnd: without a system loader the
# packed Debian packages are unpacked into / (the GPU machine is a throwaway), else the packed loader.
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1 '; then
  if [ -n "$(ls "$pack"/debs/*.deb 2>/dev/null)" ] && command -v dpkg >/dev/null && [ -w / ]; then
    for deb in "$pack"/debs/*.deb; do dpkg -x "$deb" /; done
    ldconfig
    echo "vulkan      no system loader: unpacked $(ls "$pack"/debs | tr '\n' ' ')"
  else
    export LD_LIBRARY_PATH="$PWD/$pack/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    echo "vulkan      no system loader: using $pack/lib/libvulkan.so.1"
  fi
fi
# Some GPU images mount the driver under /usr/local/nvidia and register no ICD where the loader looks.
nvidia_icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -z "${VK_ICD_FILENAMES:-}" ] && [ -f "$nvidia_icd" ] && ! ls /usr/share/vulkan/icd.d/*nvidia* /etc/vulkan/icd.d/*nvidia* >/dev/null 2>&1; then
  export VK_ICD_FILENAMES=$nvidia_icd VK_DRIVER_FILES=$nvidia_icd
  for dir in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
    if [ -d "$dir" ]; then export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$dir"; fi
  done
  echo "vulkan      driver ICD $nvidia_icd"
fi
ls /usr/share/vulkan/icd.d /etc/vulkan/icd.d 2>/dev/null || true

echo "== adapter"
VK_LOADER_DEBUG=error,warn "$node_bin" -e '
  const dawn = require(process.argv[1]); Object.assign(globalThis, dawn.globals);
  dawn.create([]).requestAdapter().then(async (a) => {
    if (!a) return console.log("no adapter");
    const info = a.info ?? (await a.requestAdapterInfo());
    console.log("adapter", info.vendor, info.architecture, info.device, info.description);
  }, (e) => console.log("requestAdapter failed:", e.message));' "$work/dawn.node" 2>&1 | head -40 || true

echo "== bench"
"$node_bin" "$pack/bench.mjs" --bundles "$pack" --dawn "$work/dawn.node" --python "$python" \
  --presets "${PRESETS:-tiny,mnist,cifar-small,paper-cifar10}" --backends "${BACKENDS:-node-webgpu,pytorch}" \
  --budget "${BUDGET:-420}" --cap 60 --first-cap 120 --case-budget 20 --results "${RESULTS:-bench/results}" "$@"

if [ -n "${OUT:-}" ]; then
  results=${RESULTS:-bench/results}
  mkdir -p "$OUT/results"
  if [ -f "$results/../RESULTS.md" ]; then cp "$results/../RESULTS.md" "$OUT/"; fi
  find "$results" -name '*.json' -newer "$pack/bench.mjs" -exec cp {} "$OUT/results/" \; 2>/dev/null || true
  echo "copied RESULTS.md and the new results to $OUT"
fi
