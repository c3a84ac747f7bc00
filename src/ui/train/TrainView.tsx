import { memo, useMemo } from 'react';
import {
  RUN_PRESET_NAMES,
  presetRunConfig,
  unetConfigOf,
  type RunConfig,
  type RunPresetName,
} from '../../config';
import { countParameters } from '../../model/plan';
import { useConfig } from '../../store/configStore';
import { useMetrics } from '../../store/metricsStore';
import { useTrain } from '../../store/trainStore';
import { useStaggered } from '../charts/useStaggered';
import { parametersText, unetText } from '../modelText';
import { activePreset } from './activePreset';
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
 * publish (at most 4 a second) redraws only the charts whose data changed, each in its own task
 * (`useStaggered`: slot 0, 1, 2).
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
  const active = useMemo(() => activePreset(draft), [draft]);
  const notes = useMemo(() => ({ 'model.preset': modelBuilt(draft) }), [draft]);
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
        active={active}
        notes={notes}
        locked={locked}
        onField={setField}
        onPreset={(name) => applyPreset(name === 'defaults' ? null : (name as RunPresetName))}
      />
    </div>
  );
}

/**
 * The U-Net this config really builds, after the run preset's overrides (the tiny preset's U-Net
 * is 8×8 with widths 16/32, not the U-Net preset's 16×16): the numbers the Weights tab shows.
 */
function modelBuilt(config: RunConfig): string {
  try {
    const unet = unetConfigOf(config);
    return `Builds ${unetText(unet)}: ${parametersText(countParameters(unet))}.`;
  } catch (e) {
    return `This U-Net cannot be built: ${e instanceof Error ? e.message : String(e)}`;
  }
}

const MemoLossChart = memo(LossChart);
const MemoLossPerTChart = memo(LossPerTChart);
const MemoLrGradChart = memo(LrGradChart);

function LossBox() {
  const points = useStaggered(
    useMetrics((s) => s.loss),
    0,
  );
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
  const current = useStaggered(
    useMetrics((s) => s.lossPerT),
    1,
  );
  const snapshot = useMetrics((s) => s.snapshot);
  const T = useConfig((s) => s.valid.diffusion.num_train_timesteps);
  const dataset = useConfig((s) => s.valid.data.dataset);
  const reference = useLiveReferenceLossPerT(current?.step ?? 0);
  return (
    <MemoLossPerTChart
      current={current}
      snapshot={snapshot}
      T={T}
      dataset={dataset}
      onSnapshot={useMetrics.getState().takeSnapshot}
      reference={reference}
    />
  );
}

function LrGradBox() {
  const points = useStaggered(
    useMetrics((s) => s.lrGrad),
    2,
  );
  const clip = useConfig((s) => s.valid.training.gradClipNorm);
  return <MemoLrGradChart points={points} clipNorm={clip ?? undefined} />;
}

function PreviewBox() {
  return <PreviewGrid preview={useTrain((s) => s.preview)} />;
}
