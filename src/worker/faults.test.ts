import { applyOverrides, presetRunConfig } from '../config';
import type { CheckpointInfo } from '../training/checkpointStore';
import { LabFaults, parseWorkerName, workerName } from './faults';

const info = (step: number): CheckpointInfo => ({
  id: `r@${step}@0`,
  runId: 'r',
  step,
  savedAt: 0,
  bytes: 1,
  backend: 'webgpu',
  config: applyOverrides(presetRunConfig('tiny'), {}),
});

describe('worker identity in its name', () => {
  it('round-trips the lock and the fault switch', () => {
    for (const identity of [
      { lock: 'diffusion-lab-worker-1f2e', faults: false },
      { lock: 'diffusion-lab-worker-1f2e', faults: true },
    ])
      expect(parseWorkerName(workerName(identity))).toEqual(identity);
  });

  it('gives no identity to a worker the page did not name (no lock, no faults)', () => {
    expect(parseWorkerName('')).toBeNull();
    expect(parseWorkerName('lab')).toBeNull();
    expect(parseWorkerName('lab a b')).toBeNull();
  });
});

describe('LabFaults save hooks', () => {
  it('lets saves commit at once until told to hold them, then holds until released', async () => {
    const faults = new LabFaults({ loseDevice: () => false, poisonWeights: () => 0 });
    expect(faults.holdOpen(info(2))).toBeNull();
    faults.saved(info(2));
    faults.holdSaves();
    const held = faults.holdOpen(info(4));
    expect(held).not.toBeNull();
    expect(faults.state()).toEqual({ savedSteps: [2], heldStep: 4, poisoned: 0 });
    let released = false;
    void held!.then(() => (released = true));
    await Promise.resolve();
    expect(released).toBe(false);
    faults.releaseSaves();
    await held;
    expect(released).toBe(true);
    expect(faults.state()).toEqual({ savedSteps: [2], heldStep: null, poisoned: 0 });
    expect(faults.holdOpen(info(6))).toBeNull();
  });

  it('poisons the weights once, at the next step boundary, and passes device loss on', () => {
    const poisonWeights = vi.fn(() => 12);
    const faults = new LabFaults({ loseDevice: () => true, poisonWeights });
    faults.run();
    expect(poisonWeights).not.toHaveBeenCalled();
    expect(faults.armed()).toBe(false);
    faults.poisonNextStep();
    expect(faults.armed()).toBe(true);
    expect(poisonWeights).not.toHaveBeenCalled();
    faults.run();
    faults.run();
    expect(poisonWeights).toHaveBeenCalledTimes(1);
    expect(faults.state().poisoned).toBe(12);
    expect(faults.loseDevice()).toBe(true);
  });
});
