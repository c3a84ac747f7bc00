/** What machine a run ran on, and the fp32 peak of known GPUs (for the "% of peak" column). */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import type { MachineInfo } from './types';

/**
 * Dense fp32 peaks (non-tensor-core FMA rate, TFLOP/s) from the vendors' datasheets. WebGPU
 * has no tensor-core path for fp32, so this is the ceiling the lab's kernels can approach.
 * More specific names come first.
 */
const FP32_PEAKS: readonly [RegExp, number][] = [
  [/H200/i, 66.9],
  [/H100.*PCIe/i, 51.2],
  [/H100/i, 66.9],
  [/A100/i, 19.5],
  [/L40S/i, 91.6],
  [/L4\b/i, 30.3],
  [/RTX 4090/i, 82.6],
  [/RTX 3090/i, 35.6],
  [/A10\b/i, 31.2],
  [/T4\b/i, 8.1],
];

/** The fp32 peak in TFLOP/s of a GPU named like nvidia-smi names it, or null when unknown. */
export function fp32PeakTflops(gpuName: string): number | null {
  return FP32_PEAKS.find(([re]) => re.test(gpuName))?.[1] ?? null;
}

/** The first GPU's name from nvidia-smi, or null where there is none. */
export function nvidiaGpuName(): string | null {
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], {
      encoding: 'utf8',
      timeout: 20_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return out.split('\n')[0].trim() || null;
  } catch {
    return null;
  }
}

/** A file-name-safe slug: lower case, runs of other characters as one "-". */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** Describes this machine; `name` defaults to the GPU or "<cores>cpu". */
export function describeMachine(name: string | null): MachineInfo {
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  const cores = os.cpus().length;
  const memoryGiB = Math.round(os.totalmem() / 2 ** 30);
  const gpuName = nvidiaGpuName();
  const gpu = gpuName ? { name: gpuName, fp32PeakTflops: fp32PeakTflops(gpuName) } : undefined;
  const description = `${cores}-core ${cpu}, ${memoryGiB} GiB, ${gpu ? gpu.name : 'no GPU (WebGPU/WebGL on SwiftShader)'}`;
  return {
    name: name ?? (gpu ? slug(gpu.name) : `${cores}cpu`),
    description,
    cpu,
    cores,
    memoryGiB,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverage: Math.round(os.loadavg()[0] * 10) / 10,
    node: process.version,
    ...(gpu ? { gpu } : {}),
  };
}
