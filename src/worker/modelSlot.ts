/**
 * The worker's one current model: what sampling and export use. The training controller sets it
 * to the model it trains (typically the EMA copy); an import sets it to the loaded bundle.
 *
 * The slot never disposes a model. Whoever sets one owns it: `set` returns the entry it replaced
 * so the caller can free that model if it was the owner (an import frees the import it replaces;
 * the trainer keeps its own weights alive while it trains).
 */
import type { SchedulerConfigFile } from '../diffusion';
import type { UNet } from '../model/unet';

/** Where the current model came from, for the UI and export file names. */
export type ModelOrigin = { kind: 'trained'; runId: string } | { kind: 'imported'; files: string[] };

/** A model together with the schedule it was trained with. */
export interface SlotEntry {
  model: UNet;
  /** The scheduler it was trained with (kind, config, extra keys), or null when the source had none. */
  scheduler: SchedulerConfigFile | null;
  origin: ModelOrigin;
}

/** Holds at most one {@link SlotEntry}. */
export class ModelSlot {
  private entry: SlotEntry | null = null;

  /** The current model, or null before any was trained or imported. */
  current(): SlotEntry | null {
    return this.entry;
  }

  /** Makes `entry` current and returns the entry it replaced (not disposed; see the module comment). */
  set(entry: SlotEntry): SlotEntry | null {
    const previous = this.entry;
    this.entry = entry;
    return previous;
  }
}
