import { memo } from 'react';
import { RUN_PRESET_NAMES, presetRunConfig, type RunPresetName } from '../../config';
import { useConfig } from '../../store/configStore';
import { useMetrics } from '../../store/metricsStore';
import { useTrain } from '../../store/trainStore';
import { ReferenceNote, useLiveReferenceBand, useLiveReferenceLossPerT } from '../clinic/ReferenceNote';
import { ConfigForm } from './ConfigForm';
import { LossChart } from './LossChart';
import { LossPerTChart } from './LossPerTChart';
import { LrGradChart } from './LrGradChart';
import { MetricsOverlay } from './MetricsOverlay';
import { PreviewGrid } from './PreviewGrid';
import { TrainPanel } from './TrainPanel';

const PAPER = presetRunConfig('paper');

/**
 * The Train tab: Configure on the left; controls, progress, charts and live samples on the right.
 * Each part subscribes to its own slice and each chart is memoised on its series, so a metrics
 * publish (at most 4 a second) redraws only the canvases whose data changed.
 */
export function TrainView() {
  return (
    <div className="two-col">
      <ConfigColumn />
      <div>
        <TrainPanel />
        <LossBox />
        <MetricsOverlay />
        <ReferenceNote />
        <LossPerTBox />
        <LrGradBox />
        <PreviewBox />
      </div>
    </div>
  );
}

function ConfigColumn() {
  const draft = useConfig((s) => s.draft);
  const errors = useConfig((s) => s.errors);
  const linkErrors = useConfig((s) => s.linkErrors);
  const status = useTrain((s) => s.status);
  const locked = status === 'running' || status === 'starting' || status === 'paused';
  const { setField, applyPreset } = useConfig.getState();
  return (
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
        onPreset={(name) => applyPreset(name as RunPresetName)}
      />
    </div>
  );
}

const MemoLossChart = memo(LossChart);
const MemoLossPerTChart = memo(LossPerTChart);
const MemoLrGradChart = memo(LrGradChart);

function LossBox() {
  const points = useMetrics((s) => s.loss);
  const logScale = useMetrics((s) => s.logScale);
  const reference = useLiveReferenceBand();
  return (
    <MemoLossChart
      points={points}
      logScale={logScale}
      onLogScale={useMetrics.getState().setLogScale}
      reference={reference}
    />
  );
}

function LossPerTBox() {
  const current = useMetrics((s) => s.lossPerT);
  const snapshot = useMetrics((s) => s.snapshot);
  const T = useConfig((s) => s.valid.diffusion.num_train_timesteps);
  const reference = useLiveReferenceLossPerT(current?.step ?? 0);
  return (
    <MemoLossPerTChart
      current={current}
      snapshot={snapshot}
      T={T}
      onSnapshot={useMetrics.getState().takeSnapshot}
      reference={reference}
    />
  );
}

function LrGradBox() {
  const points = useMetrics((s) => s.lrGrad);
  const clip = useConfig((s) => s.valid.training.gradClipNorm);
  return <MemoLrGradChart points={points} clipNorm={clip ?? undefined} />;
}

function PreviewBox() {
  return <PreviewGrid preview={useTrain((s) => s.preview)} />;
}
