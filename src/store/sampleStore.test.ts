import type { ModelSummary } from '../worker/protocol';
import { useSample } from './sampleStore';
import { fakeClient } from './testClient';
import { useTimeline } from './timelineStore';
import { useConfig } from './configStore';
import { useWeights } from './weightsStore';

const shape = { numImages: 2, height: 2, width: 2, channels: 1 };
const frame = (step: number) => ({
  step,
  t: 9 - step,
  prevT: 8 - step,
  alphaBar: 0.5,
  sigma: 0,
  xt: new Uint8Array(8).fill(step).buffer,
  x0: new Uint8Array(8).buffer,
  eps: new Uint8Array(8).buffer,
});

function started() {
  const client = fakeClient();
  useSample.setState({ status: { kind: 'idle' }, result: undefined });
  const c = useConfig.getState();
  c.setField('sampling.sampler', 'ddim');
  c.setField('sampling.steps', 10);
  c.setField('sampling.numImages', 2);
  void useSample.getState().sample();
  return { client, request: client.requests[0] };
}

describe('useSample', () => {
  it('sends the form’s settings as the runner’s options', () => {
    const { request } = started();
    expect(request.command).toMatchObject({
      type: 'sample',
      options: { sampler: 'ddim', numInferenceSteps: 10, numImages: 2, seed: 0, eta: 0, clip: true },
    });
    expect(useSample.getState().status).toMatchObject({ kind: 'running', done: 0, total: 10 });
  });

  it('asks for the chosen weights where the model has two sets, and for the DDPM variance of this run', () => {
    const trained = { origin: 'trained', weights: ['ema', 'raw'] } as unknown as ModelSummary;
    useWeights.setState({ model: trained });
    useConfig.getState().setField('sampling.useEma', false);
    expect(started().request.command).toMatchObject({ weights: 'raw' });
    expect(started().request.command.options).not.toHaveProperty('varianceType');
    useConfig.getState().setField('sampling.useEma', true);
    useSample.getState().setVarianceType('fixed_large');
    // DDIM has no variance type: the override goes out with DDPM only.
    expect(started().request.command).toMatchObject({ weights: 'ema' });
    expect(started().request.command.options).not.toHaveProperty('varianceType');
    useConfig.getState().setField('sampling.sampler', 'ddpm');
    const client = fakeClient();
    useSample.setState({ status: { kind: 'idle' } });
    void useSample.getState().sample();
    expect(client.requests[0].command).toMatchObject({ options: { sampler: 'ddpm', varianceType: 'fixed_large' } });
    useWeights.setState({ model: { origin: 'imported', weights: [] } as unknown as ModelSummary });
    expect(started().request.command).toMatchObject({ weights: undefined });
    useSample.getState().setVarianceType(null);
    useWeights.setState({ model: undefined });
  });

  it('tracks progress, hands frames to the timeline and keeps the final images', async () => {
    const { request } = started();
    const requestId = 'q1';
    request.progress({ type: 'sampleProgress', requestId, done: 3, total: 10 });
    expect(useSample.getState().status).toMatchObject({ done: 3 });
    request.progress({
      type: 'sampleFrames',
      requestId,
      shape,
      format: 'uint8',
      frameStride: 1,
      frames: [frame(0), frame(1)],
    });
    request.progress({ type: 'sampleFrames', requestId, shape, format: 'uint8', frameStride: 1, frames: [frame(2)] });
    const tl = useTimeline.getState().timeline!;
    expect(tl.frames.map((f) => f.t)).toEqual([9, 8, 7]);
    expect(tl.xt[2][0]).toBe(2);
    expect(tl.totalSteps).toBe(10);
    // "12345678": its CRC-32 (9ae0daaf) is the page's checksum of the images.
    const images = new TextEncoder().encode('12345678').buffer;
    await request.resolve({
      type: 'sampleDone',
      requestId,
      images,
      shape,
      timesteps: [],
      frameStride: 1,
      frameCount: 3,
      timing: { totalMs: 50, msPerStep: 5 },
    });
    const { status, result } = useSample.getState();
    expect(status).toMatchObject({ kind: 'done', msPerStep: 5 });
    expect(result?.batch).toMatchObject({ count: 2, height: 2, width: 2, channels: 1 });
    expect(result?.batch.data[0]).toBe(0x31);
    expect(result?.checksum).toBe('9ae0daaf');
  });

  it('cancels its request through its signal and says so; other failures keep the message', async () => {
    const { request } = started();
    useSample.getState().cancel();
    expect(request.signal?.aborted).toBe(true);
    // Running until the worker has stopped: a new run would find it busy.
    expect(useSample.getState().status.kind).toBe('running');
    await request.reject('cancelled', 'sampling cancelled after 3 of 10 steps');
    expect(useSample.getState().status).toEqual({ kind: 'cancelled' });
    const second = started();
    await second.request.reject('no-model', 'train or import a model first');
    expect(useSample.getState().status).toEqual({ kind: 'failed', message: 'train or import a model first' });
  });

  it('starts no second run while one is running', () => {
    const { client } = started();
    void useSample.getState().sample();
    expect(client.requests).toHaveLength(1);
  });
});
