import { useMemo } from 'react';
import { compareToReference } from '../../clinic/reference';
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
