import type { TrainStatus } from '../../worker/protocol';

interface Props {
  phase: TrainStatus;
  /** A saved checkpoint that Resume would continue from. */
  resumeStep: number | undefined;
  /** Why training cannot start now (no dataset, invalid config), or undefined. */
  blocked: string | undefined;
  onTrain(): void;
  onPause(): void;
  onResume(): void;
  onStop(): void;
  onReset(): void;
}

/** Train / Pause / Resume / Stop / Reset, each enabled only where it means something. */
export function TrainControls({
  phase,
  resumeStep,
  blocked,
  onTrain,
  onPause,
  onResume,
  onStop,
  onReset,
}: Props) {
  const active = phase === 'running' || phase === 'starting';
  const canResume =
    phase === 'paused' || ((phase === 'idle' || phase === 'stopped') && resumeStep !== undefined);
  return (
    <div className="row controls" role="group" aria-label="Training controls">
      <button
        type="button"
        onClick={onTrain}
        disabled={active || phase === 'paused' || blocked !== undefined}
      >
        Train
      </button>
      <button type="button" onClick={onPause} disabled={phase !== 'running'}>
        Pause
      </button>
      <button
        type="button"
        onClick={onResume}
        disabled={!canResume || blocked !== undefined}
        data-testid="resume"
      >
        {phase !== 'paused' && resumeStep !== undefined ? `Resume from step ${resumeStep}` : 'Resume'}
      </button>
      <button type="button" onClick={onStop} disabled={!active && phase !== 'paused'}>
        Stop
      </button>
      <button type="button" onClick={onReset} disabled={active}>
        Reset
      </button>
      <span className="hint" data-testid="train-phase" data-phase={phase}>
        {blocked ?? PHASE_TEXT[phase]}
      </span>
    </div>
  );
}

const PHASE_TEXT: Record<TrainStatus, string> = {
  idle: 'Ready to train.',
  starting: 'Starting: building the model and compiling shaders…',
  running: 'Training.',
  paused: 'Paused (checkpoint saved).',
  stopped: 'Stopped: the weights stay for sampling and export.',
};
