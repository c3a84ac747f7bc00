import { useEffect } from 'react';
import { RUN_PRESET_NAMES, presetRunConfig } from '../../config';
import { useConfig } from '../../store/configStore';
import { useDataset } from '../../store/datasetStore';
import { useLab } from '../../store/labStore';
import { useMetrics } from '../../store/metricsStore';
import { latestCheckpoint, useTrain } from '../../store/trainStore';
import { downloadBytes } from '../download';
import { ConfigForm } from './ConfigForm';
import { LossChart } from './LossChart';
import { LossPerTChart } from './LossPerTChart';
import { LrGradChart } from './LrGradChart';
import { PreviewGrid } from './PreviewGrid';
import { TrainControls } from './TrainControls';
import { TrainProgress } from './TrainProgress';

const PAPER = presetRunConfig('paper');

/** Why Train cannot start now, in words, or undefined. */
function useBlocked(): string | undefined {
  const ready = useLab((s) => s.backend !== undefined);
  const invalid = useConfig((s) => Object.keys(s.errors).length > 0);
  const wanted = useConfig((s) => s.valid.data.dataset);
  const active = useDataset((s) => s.active?.id);
  const loading = useDataset((s) => s.status.kind === 'loading');
  if (!ready) return 'Starting compute…';
  if (invalid) return 'Fix the fields marked in red first.';
  if (loading) return 'Loading the dataset…';
  if (active !== wanted) return 'Load the dataset this setup trains on (Data tab) first.';
  return undefined;
}

/** The Train tab: Configure on the left; controls, progress, charts and live samples on the right. */
export function TrainView() {
  const draft = useConfig((s) => s.draft);
  const valid = useConfig((s) => s.valid);
  const errors = useConfig((s) => s.errors);
  const linkErrors = useConfig((s) => s.linkErrors);
  const train = useTrain();
  const metrics = useMetrics();
  const blocked = useBlocked();
  const resumable = train.status === 'idle' ? latestCheckpoint(train.checkpoints) : undefined;
  const locked = train.status === 'running' || train.status === 'starting' || train.status === 'paused';
  const { setField, applyPreset } = useConfig.getState();
  useEffect(() => {
    if (train.runExport.kind === 'done')
      downloadBytes(train.runExport.bytes, train.runExport.fileName, 'application/zip');
  }, [train.runExport]);
  return (
    <div className="two-col">
      <div>
        {linkErrors.length > 0 && (
          <div role="alert" className="warning">
            The link had settings that could not be used (the rest was applied):
            <ul>
              {linkErrors.map((e) => (
                <li key={e}>{e}</li>
              ))}
            </ul>
          </div>
        )}
        <ConfigForm
          config={draft}
          paper={PAPER}
          errors={errors}
          presets={RUN_PRESET_NAMES}
          locked={locked}
          onField={setField}
          onPreset={(name) => applyPreset(name as (typeof RUN_PRESET_NAMES)[number])}
        />
      </div>
      <div>
        <section className="panel" aria-labelledby="train-title">
          <h2 id="train-title">Train</h2>
          <TrainControls
            phase={train.status}
            resumeStep={resumable?.step}
            blocked={train.status === 'idle' ? blocked : undefined}
            onTrain={() => train.train(valid)}
            onPause={train.pause}
            onResume={() =>
              train.status === 'paused' ? train.resume() : resumable && train.resumeFrom(resumable)
            }
            onStop={train.stop}
            onReset={train.reset}
          />
          {train.reason &&
            train.reason.code !== 'started' &&
            train.reason.code !== 'resumed' &&
            train.reason.code !== 'user' && (
              <p
                role="alert"
                className={train.reason.code === 'target-reached' ? 'ok-text' : 'warning'}
                data-testid="train-reason"
              >
                {train.reason.message} {train.reason.advice}
              </p>
            )}
          {train.error && (
            <p role="alert" className="error">
              {train.error}
            </p>
          )}
          <TrainProgress progress={metrics.latest} onTarget={train.setTargetStep} />
        </section>
        <LossChart points={metrics.loss} logScale={metrics.logScale} onLogScale={metrics.setLogScale} />
        <LossPerTChart
          current={metrics.lossPerT}
          snapshot={metrics.snapshot}
          T={metrics.latest?.lossPerT.numTrainTimesteps ?? valid.diffusion.num_train_timesteps}
          onSnapshot={metrics.takeSnapshot}
        />
        <LrGradChart points={metrics.lrGrad} clipNorm={valid.training.gradClipNorm ?? undefined} />
        <PreviewGrid preview={train.preview} />
      </div>
    </div>
  );
}
