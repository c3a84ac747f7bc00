import { useId, useState } from 'react';
import type { TrainMetrics } from '../../worker/protocol';
import { ProgressBar } from '../ProgressBar';
import { emaDecayText } from './emaText';

interface Props {
  progress: TrainMetrics | undefined;
  onTarget(step: number): void;
}

/** Step of target, ETA, throughput, and the target step itself (changeable while training). */
export function TrainProgress({ progress, onTarget }: Props) {
  const id = useId();
  const [draft, setDraft] = useState<string>();
  const p = progress;
  const target = p?.targetStep ?? 0;
  const submit = () => {
    const n = Number(draft);
    if (draft !== undefined && Number.isInteger(n) && n > 0) onTarget(n);
    setDraft(undefined);
  };
  const invalid = draft !== undefined && !(Number.isInteger(Number(draft)) && Number(draft) > 0);
  return (
    <div className="train-progress" data-testid="train-progress" data-step={p?.step ?? 0}>
      <ProgressBar
        label="Training progress"
        value={p?.step ?? 0}
        max={target}
        text={
          p
            ? `step ${p.step.toLocaleString('en')} / ${target.toLocaleString('en')} · epoch ${p.epoch.toFixed(2)} · ETA ${eta(p.etaSec)} · ${p.stepsPerSec.toFixed(2)} steps/s · ${p.imagesPerSec.toFixed(1)} images/s`
            : 'not started'
        }
      />
      <div className="row">
        <label htmlFor={`${id}-target`}>target step</label>
        <input
          id={`${id}-target`}
          type="number"
          min={1}
          step={1}
          value={draft ?? (target || '')}
          aria-invalid={invalid}
          aria-describedby={invalid ? `${id}-target-err` : undefined}
          onChange={(e) => setDraft(e.target.value)}
          onBlur={submit}
          onKeyDown={(e) => e.key === 'Enter' && submit()}
          disabled={!p}
        />
        {invalid && (
          <span id={`${id}-target-err`} className="error">
            target step must be a whole number ≥ 1
          </span>
        )}
        {p && (
          <span className="hint">
            {p.backend} · {p.memory.numTensors} tensors, {(p.memory.numBytes / 2 ** 20).toFixed(1)} MiB
            {` · ${emaDecayText(p.emaDecay)}`}
          </span>
        )}
      </div>
    </div>
  );
}

function eta(sec: number | null): string {
  if (sec === null || !Number.isFinite(sec)) return '—';
  if (sec < 90) return `${Math.round(sec)} s`;
  if (sec < 5400) return `${Math.round(sec / 60)} min`;
  return `${(sec / 3600).toFixed(1)} h`;
}
