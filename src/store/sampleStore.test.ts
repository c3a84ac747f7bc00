import type { ModelSummary, WorkerEvent } from '../worker/protocol';
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
  useSample.getState().sample();
  const cmd = client.sent[0];
  if (cmd.type !== 'sample') throw new Error('expected a sample command');
  return { client, runId: cmd.runId };
}

describe('useSample', () => {
  it('sends the form’s settings as the runner’s options', () => {
    const { client } = started();
    expect(client.sent[0]).toMatchObject({
      type: 'sample',
      options: { sampler: 'ddim', numInferenceSteps: 10, numImages: 2, seed: 0, eta: 0, clip: true },
    });
    expect(useSample.getState().status).toMatchObject({ kind: 'running', done: 0, total: 10 });
  });

  it('asks for the chosen weights where the model has two sets, and for the DDPM variance of this run', () => {
    const trained = { origin: 'trained', weights: ['ema', 'raw'] } as unknown as ModelSummary;
    useWeights.setState({ model: trained });
    useConfig.getState().setField('sampling.useEma', false);
    expect(started().client.sent[0]).toMatchObject({ weights: 'raw' });
    expect((started().client.sent[0] as { options: object }).options).not.toHaveProperty('varianceType');
    useConfig.getState().setField('sampling.useEma', true);
    useSample.getState().setVarianceType('fixed_large');
    // DDIM has no variance type: the override goes out with DDPM only.
    expect(started().client.sent[0]).toMatchObject({ weights: 'ema' });
    expect((started().client.sent[0] as { options: object }).options).not.toHaveProperty('varianceType');
    useConfig.getState().setField('sampling.sampler', 'ddpm');
    const client = fakeClient();
    useSample.setState({ status: { kind: 'idle' } });
    useSample.getState().sample();
    expect(client.sent[0]).toMatchObject({ options: { sampler: 'ddpm', varianceType: 'fixed_large' } });
    useWeights.setState({ model: { origin: 'imported', weights: [] } as unknown as ModelSummary });
    expect(started().client.sent[0]).toMatchObject({ weights: undefined });
    useSample.getState().setVarianceType(null);
    useWeights.setState({ model: undefined });
  });

  it('tracks progress, hands frames to the timeline and keeps the final images', () => {
    const { runId } = started();
    const s = useSample.getState();
    s.onEvent({ type: 'sampleProgress', runId, done: 3, total: 10 });
    expect(useSample.getState().status).toMatchObject({ done: 3 });
    s.onEvent({
      type: 'sampleFrames',
      runId,
      shape,
      format: 'uint8',
      frameStride: 1,
      frames: [frame(0), frame(1)],
    });
    s.onEvent({ type: 'sampleFrames', runId, shape, format: 'uint8', frameStride: 1, frames: [frame(2)] });
    const tl = useTimeline.getState().timeline!;
    expect(tl.frames.map((f) => f.t)).toEqual([9, 8, 7]);
    expect(tl.xt[2][0]).toBe(2);
    expect(tl.totalSteps).toBe(10);
    // "12345678": its CRC-32 (9ae0daaf) is the page's checksum of the images.
    const images = new TextEncoder().encode('12345678').buffer;
    s.onEvent({
      type: 'sampleDone',
      runId,
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

  it('ignores events and errors of other runs', () => {
    started();
    const other: WorkerEvent = { type: 'sampleProgress', runId: 'other', done: 9, total: 10 };
    useSample.getState().onEvent(other as Extract<WorkerEvent, { type: 'sampleProgress' }>);
    expect(useSample.getState().status).toMatchObject({ done: 0 });
    expect(useSample.getState().onError('other', 'internal', 'boom')).toBe(false);
  });

  it('cancels its run and says so; other failures keep the message', () => {
    const { client, runId } = started();
    useSample.getState().cancel();
    expect(client.sent[1]).toEqual({ type: 'cancel', runId });
    expect(useSample.getState().onError(runId, 'cancelled', 'sampling cancelled after 3 of 10 steps')).toBe(
      true,
    );
    expect(useSample.getState().status).toEqual({ kind: 'cancelled' });
    const second = started();
    useSample.getState().onError(second.runId, 'no-model', 'train or import a model first');
    expect(useSample.getState().status).toEqual({ kind: 'error', message: 'train or import a model first' });
  });

  it('starts no second run while one is running', () => {
    const { client } = started();
    useSample.getState().sample();
    expect(client.sent).toHaveLength(1);
  });
});
