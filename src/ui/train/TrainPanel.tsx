import { useConfig } from '../../store/configStore';
import { useDataset } from '../../store/datasetStore';
import { useLab } from '../../store/labStore';
import { useMetrics } from '../../store/metricsStore';
import { latestCheckpoint, useTrain } from '../../store/trainStore';
import { TrainControls } from './TrainControls';
import { TrainProgress } from './TrainProgress';

/** Why Train cannot start now, in words, or undefined. */
function useBlocked(): string | undefined {
  const ready = useLab((s) => s.backend !== undefined);
  const invalid = useConfig((s) => Object.keys(s.errors).length > 0);
  const wanted = useConfig((s) => s.valid.data.dataset);
  const inChannels = useConfig((s) => s.valid.model.in_channels);
  const active = useDataset((s) => s.active);
  const loading = useDataset((s) => s.status.kind === 'running');
  if (!ready) return 'Starting compute…';
  if (invalid) return 'Fix the fields marked in red first.';
  if (loading) return 'Loading the dataset…';
  if (active?.id !== wanted) return 'Load the dataset this setup trains on (Data tab) first.';
  if (active.channels !== inChannels)
    return `${active.name} has ${active.channels} channel(s) but the model takes in_channels = ${inChannels}: pick a preset for this dataset.`;
  return undefined;
}

/** The run's controls, why it last changed state, and its progress line. */
export function TrainPanel() {
  const status = useTrain((s) => s.status);
  const reason = useTrain((s) => s.reason);
  const error = useTrain((s) => s.error);
  const checkpoints = useTrain((s) => s.checkpoints);
  const latest = useMetrics((s) => s.latest);
  const blocked = useBlocked();
  const train = useTrain.getState();
  const resumable = status === 'idle' ? latestCheckpoint(checkpoints) : undefined;
  const explain = reason && reason.code !== 'started' && reason.code !== 'resumed' && reason.code !== 'user';
  return (
    <section className="panel" aria-labelledby="train-title">
      <h2 id="train-title">Train</h2>
      <TrainControls
        phase={status}
        resumeStep={resumable?.step}
        blocked={status === 'idle' ? blocked : undefined}
        stepsPerSec={latest?.stepsPerSec}
        onTrain={() => train.train(useConfig.getState().valid)}
        onPause={train.pause}
        onResume={() => (status === 'paused' ? train.resume() : resumable && train.resumeFrom(resumable))}
        onStop={train.stop}
        onReset={train.reset}
      />
      {explain && (
        <p
          role="alert"
          className={reason.code === 'target-reached' ? 'ok-text' : 'warning'}
          data-testid="train-reason"
        >
          {reason.message} {reason.advice}
        </p>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <TrainProgress progress={latest} onTarget={train.setTargetStep} />
    </section>
  );
}
