import { useEffect, useState } from 'react';
import type { TrainStatus } from '../../worker/protocol';

interface Props {
  phase: TrainStatus;
  /** A saved checkpoint that Resume would continue from. */
  resumeStep: number | undefined;
  /** Why training cannot start now (no dataset, invalid config), or undefined. */
  blocked: string | undefined;
  /** Steps per second once steps flow; undefined before the run's first step is reported. */
  stepsPerSec: number | undefined;
  onTrain(): void;
  onPause(): void;
  onResume(): void;
  onStop(): void;
  onReset(): void;
}

/**
 * Train / Pause / Resume / Stop / Reset, each enabled only where it means something; the one to
 * press next is the primary button. Until the first step is reported the phase line counts the
 * seconds (building the model, then compiling shaders: tens of seconds on a slow GPU).
 */
export function TrainControls({
  phase,
  resumeStep,
  blocked,
  stepsPerSec,
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
        className={canResume ? undefined : 'primary'}
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
        className={canResume ? 'primary' : undefined}
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
      <span className="phase" data-testid="train-phase" data-phase={phase}>
        {blocked ??
          (phase === 'starting' ? (
            <Waiting what="Starting: building the model" />
          ) : phase === 'running' && stepsPerSec === undefined ? (
            <Waiting what="Compiling shaders (the first step)" />
          ) : phase === 'running' ? (
            `Training · ${stepsPerSec!.toFixed(2)} steps/s`
          ) : (
            PHASE_TEXT[phase]
          ))}
      </span>
    </div>
  );
}

/**
 * `what — N s`, counting from when it first showed: the same instance stays mounted from
 * "building the model" to "compiling shaders", so the seconds run on from pressing Train.
 */
function Waiting({ what }: { what: string }) {
  const [seconds, setSeconds] = useState(0);
  useEffect(() => {
    const start = performance.now();
    const tick = setInterval(() => setSeconds(Math.floor((performance.now() - start) / 1000)), 1000);
    return () => clearInterval(tick);
  }, []);
  return (
    <span data-testid="train-waiting" data-seconds={seconds}>
      {what} — {seconds} s
    </span>
  );
}

const PHASE_TEXT: Record<TrainStatus, string> = {
  idle: 'Ready to train.',
  starting: 'Starting: building the model…',
  running: 'Training.',
  paused: 'Paused (checkpoint saved).',
  stopped: 'Stopped: the weights stay for sampling and export.',
};
