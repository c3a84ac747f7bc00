/**
 * The one place that knows how to start Chromium with WebGPU on machines without a GPU
 * (see ARCHITECTURE.md, "Browser tests"): the system Chromium, SwiftShader's Vulkan as the WebGPU
 * adapter via --enable-unsafe-webgpu, and no background networking.
 */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags that keep Chromium quiet and offline; WebGPU is added separately so tests can leave it out. */
export const baseArgs = [
  '--no-sandbox',
  '--disable-gpu-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const webgpuArgs = ['--enable-unsafe-webgpu', ...baseArgs];
