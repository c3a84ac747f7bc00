import { useMemo } from 'react';
import { useConfig } from '../../store/configStore';
import { validateSampling, weightsOffer } from '../../store/sampleSettings';
import { resultPng, useSample } from '../../store/sampleStore';
import { useWeights } from '../../store/weightsStore';
import { downloadBytes } from '../download';
import { GridCanvas } from '../GridCanvas';
import { useImageScale } from '../ImageSizeControl';
import { minMaxStretch } from '../pixels';
import { ProgressBar } from '../ProgressBar';
import { SampleForm } from './SampleForm';
import { ScorePanel } from './ScorePanel';
import { Timeline } from './Timeline';

/** Sample from the current model, see the batch, and scrub its reverse process. */
export function SampleView() {
  const settings = useConfig((s) => s.draft.sampling);
  const configErrors = useConfig((s) => s.errors);
  const status = useSample((s) => s.status);
  const result = useSample((s) => s.result);
  const model = useWeights((s) => s.model);
  const { sample, cancel } = useSample.getState();
  const change = (key: string, value: unknown) => useConfig.getState().setField(`sampling.${key}`, value);
  const configT = useConfig((s) => s.valid.diffusion.num_train_timesteps);
  const configVariance = useConfig((s) => s.valid.diffusion.variance_type);
  const varianceType = useSample((s) => s.varianceType);
  const storedVariance = model?.scheduler?.config.variance_type ?? configVariance;
  const offer = useMemo(() => weightsOffer(model, settings.useEma), [model, settings.useEma]);
  const T = model?.scheduler?.config.num_train_timesteps ?? configT;
  const errors = useMemo(() => {
    const fromConfig = Object.fromEntries(
      Object.entries(configErrors).flatMap(([path, message]) =>
        path.startsWith('sampling.') ? [[path.slice(9), message]] : [],
      ),
    );
    return { ...fromConfig, ...validateSampling(settings, T) };
  }, [settings, configErrors, T]);
  const invalid = Object.keys(errors).length > 0;
  const running = status.kind === 'running';
  const scale = useImageScale(result?.batch.width ?? 1);
  return (
    <>
      <section className="panel" aria-labelledby="sample-title">
        <h2 id="sample-title">Sample</h2>
        {!model && <p className="hint">No model yet: train one (Train tab) or import one (Weights tab).</p>}
        <div className="two-col">
          <div>
            <SampleForm
              settings={settings}
              errors={errors}
              T={T}
              weights={offer}
              varianceType={varianceType}
              storedVariance={storedVariance}
              onChange={change}
              onVarianceType={useSample.getState().setVarianceType}
            />
            {model && (
              <p className="hint" data-testid="sample-weights" data-weights={offer.send ?? 'single'}>
                Weights:{' '}
                {model.origin === 'imported'
                  ? `imported (${model.source.join(', ')}), one set`
                  : offer.send === 'ema'
                    ? 'the EMA of the trained weights, as the paper samples'
                    : 'the raw trained weights of the last step'}
              </p>
            )}
            {settings.sampler === 'ddpm' && (
              <p className="hint" data-testid="ddpm-variance">
                DDPM variance σ²_t: {varianceType ?? storedVariance}
                {varianceType
                  ? ` (this run only; the model’s scheduler keeps ${storedVariance})`
                  : model?.scheduler
                    ? ' (the model’s scheduler)'
                    : ' (the run config’s noise schedule)'}
              </p>
            )}
            <div className="row">
              <button
                type="button"
                className="primary"
                onClick={sample}
                disabled={!model || invalid || running}
              >
                Sample
              </button>
              <button type="button" onClick={cancel} disabled={!running}>
                Cancel
              </button>
              {running && (
                <ProgressBar
                  label="Sampling progress"
                  testId="sample-progress"
                  value={status.done}
                  max={status.total}
                  text={`step ${status.done} of ${status.total}`}
                />
              )}
              {status.kind === 'done' && (
                <span data-testid="sample-status">
                  Done in {(status.totalMs / 1000).toFixed(1)} s ({status.msPerStep.toFixed(0)} ms per step).
                </span>
              )}
              {status.kind === 'cancelled' && <span data-testid="sample-status">Cancelled.</span>}
            </div>
            {status.kind === 'failed' && (
              <p role="alert" className="error" data-testid="sample-error">
                {status.message}
              </p>
            )}
          </div>
          {result && (
            <figure
              data-testid="sample-result"
              data-checksum={result.checksum}
              data-seed={result.settings.seed}
            >
              <GridCanvas
                batch={result.batch}
                scale={scale}
                label={`${result.batch.count} samples, ${result.settings.sampler.toUpperCase()} ${result.settings.steps} steps, seed ${result.settings.seed}`}
              />
              {settings.displayMinMax && (
                <div data-testid="sample-minmax">
                  <GridCanvas
                    batch={minMaxStretch(result.batch)}
                    scale={result.batch.width <= 16 ? 6 : 3}
                    label="The same samples, each stretched to its own min–max"
                  />
                  <p className="hint">
                    Above: the true range ([−1, 1] → 0..255). Here: each image stretched to its own min–max,
                    as the learner displayed them; where the two differ, the range is wrong.
                  </p>
                </div>
              )}
              <figcaption>
                {result.settings.sampler.toUpperCase()}, {result.settings.steps} steps, seed{' '}
                {result.settings.seed}{' '}
                <button
                  type="button"
                  onClick={() =>
                    downloadBytes(resultPng(result), `samples-seed${result.settings.seed}.png`, 'image/png')
                  }
                >
                  Save grid as PNG
                </button>
              </figcaption>
            </figure>
          )}
        </div>
      </section>
      <Timeline />
      <ScorePanel />
    </>
  );
}
