import { describe, expect, it, vi } from 'vitest';
import { Engine, type EngineDeps } from './engine';
import {
  PROTOCOL_VERSION,
  parseBackendRequest,
  parseGpuFeaturesRequest,
  type BackendInfo,
  type WorkerEvent,
} from './protocol';

const webgpu: BackendInfo = { name: 'webgpu', requested: 'auto', fallbackReasons: [] };

function setup(overrides: Partial<EngineDeps> = {}) {
  const events: WorkerEvent[] = [];
  const deps: EngineDeps = {
    initBackend: vi.fn(async () => webgpu),
    runGpuCheck: vi.fn(async () => ({ ms: 10, gflops: 3.5 })),
    ...overrides,
  };
  return { engine: new Engine((e) => events.push(e), deps), events, deps };
}

describe('worker engine handshake', () => {
  it('answers init with ready and the backend actually chosen', async () => {
    const { engine, events, deps } = setup();
    await engine.handle({ type: 'init', protocolVersion: PROTOCOL_VERSION, backend: 'webgl' });
    expect(deps.initBackend).toHaveBeenCalledWith('webgl', undefined);
    expect(events).toEqual([{ type: 'ready', protocolVersion: PROTOCOL_VERSION, backend: webgpu }]);
  });

  it('passes the shader feature switches of init (?gpu-features=) to the backend choice', async () => {
    const { engine, deps } = setup();
    const gpuFeatures = { subgroups: true, shaderF16: false };
    await engine.handle({ type: 'init', protocolVersion: PROTOCOL_VERSION, backend: 'auto', gpuFeatures });
    expect(deps.initBackend).toHaveBeenCalledWith('auto', gpuFeatures);
  });

  it('rejects a protocol version mismatch with a clear error and starts nothing', async () => {
    const { engine, events, deps } = setup();
    await engine.handle({ type: 'init', protocolVersion: PROTOCOL_VERSION + 1, backend: 'auto' });
    expect(deps.initBackend).not.toHaveBeenCalled();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'error', code: 'protocol-version' });
    expect((events[0] as { message: string }).message).toMatch(
      new RegExp(`version ${PROTOCOL_VERSION + 1}.*version ${PROTOCOL_VERSION}.*Reload`),
    );
  });

  it('reports a backend that cannot start as an error event', async () => {
    const { engine, events } = setup({
      initBackend: async () => Promise.reject(new Error('no backend at all')),
    });
    await engine.handle({ type: 'init', protocolVersion: PROTOCOL_VERSION, backend: 'auto' });
    expect(events).toEqual([{ type: 'error', code: 'backend', message: 'no backend at all' }]);
  });
});

describe('worker engine commands', () => {
  it('refuses work before init', async () => {
    const { engine, events } = setup();
    await engine.handle({ type: 'gpuCheck', requestId: 'r1', size: 64, iterations: 2 });
    expect(events).toEqual([expect.objectContaining({ type: 'error', requestId: 'r1', code: 'not-initialised' })]);
  });

  it('runs the GPU check and tags the result with the run id', async () => {
    const { engine, events } = setup();
    await engine.handle({ type: 'init', protocolVersion: PROTOCOL_VERSION, backend: 'auto' });
    await engine.handle({ type: 'gpuCheck', requestId: 'r2', size: 64, iterations: 2 });
    expect(events[1]).toEqual({ type: 'gpuCheckResult', requestId: 'r2', size: 64, iterations: 2, ms: 10, gflops: 3.5 });
  });

  it('validates GPU check sizes, naming the limits', async () => {
    const { engine, events, deps } = setup();
    await engine.handle({ type: 'init', protocolVersion: PROTOCOL_VERSION, backend: 'auto' });
    await engine.handle({ type: 'gpuCheck', requestId: 'r3', size: 100_000, iterations: 2 });
    expect(deps.runGpuCheck).not.toHaveBeenCalled();
    expect(events[1]).toMatchObject({ type: 'error', requestId: 'r3', code: 'bad-command' });
    expect((events[1] as { message: string }).message).toContain('2048');
  });

  it('turns a failing check into an error event for that run', async () => {
    const { engine, events } = setup({ runGpuCheck: async () => Promise.reject(new Error('device lost')) });
    await engine.handle({ type: 'init', protocolVersion: PROTOCOL_VERSION, backend: 'auto' });
    await engine.handle({ type: 'gpuCheck', requestId: 'r4', size: 64, iterations: 1 });
    expect(events[1]).toEqual({ type: 'error', requestId: 'r4', code: 'internal', message: 'device lost' });
  });
});

describe('backend URL parameter', () => {
  it('accepts known backends and auto', () => {
    expect(parseBackendRequest('webgl')).toEqual({ backend: 'webgl' });
    expect(parseBackendRequest(null)).toEqual({ backend: 'auto' });
  });
  it('names an unknown backend', () => {
    expect(parseBackendRequest('cuda').error).toMatch(/Unknown backend "cuda"/);
  });
  it('reads ?gpu-features=, and names an unknown feature (all then off)', () => {
    expect(parseGpuFeaturesRequest(null)).toEqual({ gpuFeatures: { subgroups: false, shaderF16: false } });
    expect(parseGpuFeaturesRequest('subgroups')).toEqual({ gpuFeatures: { subgroups: true, shaderF16: false } });
    expect(parseGpuFeaturesRequest('subgroups,turbo')).toEqual({
      gpuFeatures: { subgroups: false, shaderF16: false },
      error: 'Unknown GPU feature "turbo": use subgroups, shader-f16 (comma-separated) or none. (?gpu-features= in the URL)',
    });
  });
});
