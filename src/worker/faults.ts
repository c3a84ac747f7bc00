/**
 * Fault injection for the browser fault tests (`e2e/faults.spec.ts`), on only when the page was
 * opened with `?faults`: the worker then exposes a {@link LabFaults} as `self.__labFaults`, which a
 * test reaches with Playwright's `worker.evaluate`. No command of the protocol reaches it, and
 * without `?faults` it does not exist. Free of tfjs: the worker passes the actions that need it.
 */
import type { CheckpointInfo } from '../training/checkpointStore';
import type { SaveHooks } from '../training/idbCheckpointStore';

/** What the page tells its worker through the worker's name (no message can arrive earlier). */
export interface WorkerIdentity {
  /** The Web Lock the worker holds for its lifetime; the page learns of the worker's end from it. */
  lock: string;
  /** Fault injection on (`?faults` in the page URL). */
  faults: boolean;
}

const NAME = /^lab (\S+)( faults)?$/;

/** The worker name that carries `identity`. */
export function workerName(identity: WorkerIdentity): string {
  return `lab ${identity.lock}${identity.faults ? ' faults' : ''}`;
}

/** The identity in a worker's name, or null for a name this page did not give (a test's own worker). */
export function parseWorkerName(name: string): WorkerIdentity | null {
  const m = NAME.exec(name);
  return m ? { lock: m[1], faults: m[2] !== undefined } : null;
}

/** Faults that need tfjs, supplied by the worker. */
export interface FaultActions {
  /** Destroys the WebGPU device the way a GPU reset does; returns false on another backend. */
  loseDevice(): boolean;
  /** Sets every trainable weight to NaN, so the next step's loss is non-finite; returns how many. */
  poisonWeights(): number;
}

/** What a test sees: the checkpoint saves and the armed NaN. */
export interface FaultLog {
  /** Steps of the saves that committed, oldest first. */
  savedSteps: number[];
  /** The step of the save whose transaction is being held open, or null. */
  heldStep: number | null;
  /** How many weights the last armed NaN poisoned (0 until it ran). */
  poisoned: number;
}

/** The switches behind `self.__labFaults`; also the checkpoint store's {@link SaveHooks}. */
export class LabFaults implements SaveHooks {
  private readonly log: FaultLog = { savedSteps: [], heldStep: null, poisoned: 0 };
  private holding = false;
  private poison = false;
  private release: (() => void) | null = null;

  constructor(private readonly actions: FaultActions) {}

  loseDevice(): boolean {
    return this.actions.loseDevice();
  }

  /**
   * Arms a NaN for the next step: the weights are poisoned at the step boundary, where a real
   * divergence shows, not inside a step (the save after it would carry NaN weights).
   */
  poisonNextStep(): void {
    this.poison = true;
  }

  /** Whether a fault waits for the next step boundary. */
  armed(): boolean {
    return this.poison;
  }

  /** Runs what is armed; the training loop calls it at a step boundary (no step in flight). */
  run(): void {
    if (!this.poison) return;
    this.poison = false;
    this.log.poisoned = this.actions.poisonWeights();
  }

  /** From now on each save keeps its transaction open (uncommitted) until {@link releaseSaves}. */
  holdSaves(): void {
    this.holding = true;
  }

  /** Lets the held save commit and saves commit at once again. */
  releaseSaves(): void {
    this.holding = false;
    this.log.heldStep = null;
    this.release?.();
    this.release = null;
  }

  state(): FaultLog {
    return { ...this.log, savedSteps: [...this.log.savedSteps] };
  }

  holdOpen(info: CheckpointInfo): Promise<void> | null {
    if (!this.holding) return null;
    this.log.heldStep = info.step;
    return new Promise((resolve) => (this.release = resolve));
  }

  saved(info: CheckpointInfo): void {
    this.log.savedSteps.push(info.step);
  }
}
