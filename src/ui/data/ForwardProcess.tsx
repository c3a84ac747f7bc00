import { useId, useMemo, useState } from 'react';
import { describeSchedule, type SchedulerConfig } from '../../diffusion';
import { noisyImages } from '../../diffusion/forwardNoise';
import type { ImageBatch } from '../../io/image';
import { batchGrid } from '../../io/imageGrid';
import { useImageScale } from '../ImageSizeControl';
import { PixelCanvas } from '../PixelCanvas';
import { ScheduleCharts } from './ScheduleCharts';
import { ScheduleWarnings } from './ScheduleWarnings';

interface Props {
  images: ImageBatch | undefined;
  schedule: Partial<SchedulerConfig>;
}

/** x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε on a few dataset images, computed with the core's addNoise. */
export function ForwardProcess({ images, schedule }: Props) {
  const id = useId();
  const described = useMemo(() => {
    try {
      return { ok: describeSchedule(schedule) } as const;
    } catch (err) {
      return { error: err instanceof Error ? err.message : String(err) } as const;
    }
  }, [schedule]);
  const T = described.ok?.alphaBar.length ?? 1;
  const [tWanted, setT] = useState(Math.round(T / 4));
  const [seed, setSeed] = useState(0);
  const t = Math.min(tWanted, T - 1);
  const noisy = useMemo(() => {
    if (!images || !described.ok || described.ok.warnings.some((w) => w.code === 'betas-out-of-range'))
      return undefined;
    try {
      return batchGrid({ ...images, data: noisyImages(images.data, schedule, t, seed) }, images.count);
    } catch {
      return undefined;
    }
  }, [images, described, schedule, t, seed]);
  const clean = useMemo(() => (images ? batchGrid(images, images.count) : undefined), [images]);
  const s = described.ok;
  const scale = useImageScale(images?.width ?? 1);
  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Forward process q(x_t | x₀)</h2>
      {described.error && (
        <p role="alert" className="error">
          {described.error}
        </p>
      )}
      {s && (
        <div className="two-col">
          <div>
            <div className="row">
              <label htmlFor={`${id}-t`}>t</label>
              <input
                id={`${id}-t`}
                data-testid="forward-t"
                type="range"
                min={0}
                max={T - 1}
                value={t}
                onChange={(e) => setT(Number(e.target.value))}
              />
              <output htmlFor={`${id}-t`} data-testid="forward-readout">
                t = {t} · ᾱ_t = {s.alphaBar[t].toPrecision(3)} · √ᾱ_t = {s.sqrtAlphaBar[t].toPrecision(3)} ·
                SNR {s.snrDb[t].toFixed(1)} dB
              </output>
            </div>
            <div className="row">
              <button type="button" onClick={() => setSeed((x) => x + 1)}>
                New noise ε
              </button>
            </div>
            {images ? (
              <div className="row images">
                <figure>
                  <PixelCanvas image={clean} scale={scale} label="x₀: the chosen images" />
                  <figcaption>x₀</figcaption>
                </figure>
                <figure>
                  <PixelCanvas image={noisy} scale={scale} label={`x_t at t = ${t}`} testId="forward-xt" />
                  <figcaption>
                    x_t = {s.sqrtAlphaBar[t].toFixed(3)}·x₀ + {Math.sqrt(1 - s.alphaBar[t]).toFixed(3)}·ε
                  </figcaption>
                </figure>
              </div>
            ) : (
              <p className="hint">Load a dataset to see its images noised.</p>
            )}
          </div>
          <div>
            <ScheduleCharts schedule={s} t={t} />
            <ScheduleWarnings warnings={s.warnings} />
          </div>
        </div>
      )}
    </section>
  );
}
