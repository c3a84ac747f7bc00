/**
 * The worker's one current model: what sampling and export use. The training controller sets it
 * to the run it trains (its EMA copy, with the raw weights beside it); an import sets it to the
 * loaded bundle (one set of weights).
 *
 * The slot never disposes a model. Whoever sets one owns it: `set` returns the entry it replaced
 * so the caller can free that model if it was the owner (an import frees the import it replaces;
 * the trainer keeps its own weights alive while it trains).
 */
import type { SchedulerConfigFile } from '../diffusion';
import type { UNet } from '../model/unet';
import type { WeightChoice } from './protocol';

/** Where the current model came from, for the UI and export file names. */
export type ModelOrigin = { kind: 'trained'; runId: string } | { kind: 'imported'; files: string[] };

/** A model together with the schedule it was trained with. */
export interface SlotEntry {
  /** The default weights: a trained run's EMA copy when it keeps one, else its only weights. */
  model: UNet;
  /** A trained run's raw weights when `model` is their EMA; absent where there is one set. */
  raw?: UNet;
  /** Brings `model` up to date before it is read (a live trainer writes its EMA copy lazily). */
  sync?(): void;
  /** The scheduler it was trained with (kind, config, extra keys), or null when the source had none. */
  scheduler: SchedulerConfigFile | null;
  origin: ModelOrigin;
}

/** The weight sets an entry offers: EMA and raw for a trained run with EMA, raw without, none to choose for an import. */
export function weightChoices(entry: SlotEntry): WeightChoice[] {
  if (entry.origin.kind === 'imported') return [];
  return entry.raw ? ['ema', 'raw'] : ['raw'];
}

/** Holds at most one {@link SlotEntry}. */
export class ModelSlot {
  private entry: SlotEntry | null = null;

  /** The current model with its weights up to date, or null before any was trained or imported. */
  current(): SlotEntry | null {
    this.entry?.sync?.();
    return this.entry;
  }

  /** Makes `entry` current and returns the entry it replaced (not disposed; see the module comment). */
  set(entry: SlotEntry): SlotEntry | null {
    const previous = this.entry;
    this.entry = entry;
    return previous;
  }
}
