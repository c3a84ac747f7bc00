/**
 * A training run's weights in the worker's model slot. While the run lives, the slot shows the
 * trainer's own models: the EMA copy (the default, as the paper samples) and the raw weights
 * beside it. When the run is freed while the slot still shows it, the shown weights outlive the
 * trainer (the raw ones as a copy, since the trainer frees its live model) until another model
 * replaces them.
 */
import { paramSpecs } from '../model/plan';
import { UNet } from '../model/unet';
import type { Trainer } from '../training/trainer';
import { modelSummary } from './modelCommands';
import type { ModelSlot, SlotEntry } from './modelSlot';
import type { Post } from './protocol';


export class TrainedSlot {
  /** A freed run's weights that the slot still shows; this class owns them. */
  private retained: SlotEntry | null = null;

  constructor(
    private readonly slot: ModelSlot,
    private readonly post: Post,
  ) {}

  /** Makes the run's weights the worker's current model and tells the UI. */
  show(runId: string, trainer: Trainer): void {
    const hasEma = trainer.ema !== null;
    const entry: SlotEntry = {
      model: trainer.samplingModel(),
      raw: hasEma ? trainer.model : undefined,
      // The trainer writes its EMA average into the sampling model only when asked for it.
      sync: hasEma ? () => void trainer.samplingModel() : undefined,
      scheduler: { kind: 'ddpm', config: trainer.scheduler.config, extras: {} },
      origin: { kind: 'trained', runId },
    };
    const previous = this.slot.set(entry);
    if (previous?.origin.kind === 'imported') previous.model.dispose();
    if (this.retained && previous?.model === this.retained.model) this.freeRetained();
    this.post({ type: 'modelLoaded', model: modelSummary(entry) });
  }

  /** Frees the trainer; weights of this run that the slot shows stay alive for sampling and export. */
  release(runId: string, trainer: Trainer): void {
    const shown = this.slot.current();
    if (shown?.origin.kind !== 'trained' || shown.origin.runId !== runId) {
      trainer.dispose();
      return;
    }
    const raw = shown.raw ? copyOf(shown.raw) : undefined;
    trainer.dispose(shown.model);
    this.retained = { ...shown, raw, sync: undefined };
    this.slot.set(this.retained);
  }

  private freeRetained(): void {
    this.retained?.model.dispose();
    this.retained?.raw?.dispose();
    this.retained = null;
  }
}

/** A new U-Net holding the same weights and buffers. */
function copyOf(model: UNet): UNet {
  const copy = new UNet(model.config, { seed: 0 });
  for (const spec of paramSpecs(model.plan)) copy.variable(spec.name).assign(model.variable(spec.name));
  return copy;
}
