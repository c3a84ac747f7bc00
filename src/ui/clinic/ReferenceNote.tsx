import { useMemo } from 'react';
import { compareToReference, referenceBand, referenceLossPerT, type BandPoint } from '../../clinic/reference';
import { useMetrics } from '../../store/metricsStore';
import { useTrain } from '../../store/trainStore';
import { ReferenceLine, useReference } from './ClinicView';

/** Under the live loss chart: where this run stands against the reference of its config, in one sentence. */
export function ReferenceNote() {
  const config = useTrain((s) => s.config) ?? null;
  const points = useMetrics((s) => s.loss);
  const { match, state } = useReference(config);
  const sentence = useMemo(
    () => (state?.kind === 'ready' ? compareToReference(state.curve, points)?.sentence : undefined),
    [state, points],
  );
  if (!config) return null;
  return (
    <div data-testid="reference-note">
      {sentence && (
        <p data-testid="reference-sentence">{`${sentence[0].toUpperCase()}${sentence.slice(1)}.`}</p>
      )}
      <ReferenceLine match={match} state={state} />
    </div>
  );
}

/** The reference band of the training run's config, for the live loss chart (undefined without one). */
export function useLiveReferenceBand(): readonly BandPoint[] | undefined {
  const config = useTrain((s) => s.config) ?? null;
  const { state } = useReference(config);
  return useMemo(() => (state?.kind === 'ready' ? referenceBand(state.curve) : undefined), [state]);
}

/** The reference's loss per t at the snapshot nearest `step`, for the live loss-per-t chart. */
export function useLiveReferenceLossPerT(step: number): { step: number; buckets: BandPoint[] } | undefined {
  const config = useTrain((s) => s.config) ?? null;
  const { state } = useReference(config);
  // Memoised on the snapshot step, so the chart's props change only when the reference's do.
  const curve = state?.kind === 'ready' ? state.curve : null;
  const atStep = curve ? referenceLossPerT(curve, step)?.step : undefined;
  return useMemo(
    () => (curve && atStep !== undefined ? (referenceLossPerT(curve, atStep) ?? undefined) : undefined),
    [curve, atStep],
  );
}
