import { useState } from 'react';
import { MAX_SCORE_IMAGES } from '../../quality/scoreTypes';
import { useScore } from '../../store/scoreStore';
import { useWeights } from '../../store/weightsStore';
import { ProgressBar } from '../ProgressBar';

const PHASES = { classifier: 'training the score’s classifier on the dataset', sampling: 'sampling' } as const;

/**
 * How close the samples are to the data: a Fréchet distance in the features of a classifier trained
 * on the loaded dataset (lower is better) and a classifier Inception-style score (higher is better).
 */
export function ScorePanel() {
  const [num, setNum] = useState(64);
  const status = useScore((s) => s.status);
  const hasModel = useWeights((s) => s.model !== undefined);
  const { score, cancel } = useScore.getState();
  const valid = Number.isInteger(num) && num >= 2 && num <= MAX_SCORE_IMAGES;
  const running = status.kind === 'running';
  return (
    <section className="panel" aria-labelledby="score-title">
      <h2 id="score-title">Sample quality</h2>
      <p className="hint">
        Compares N samples (DDIM, 20 steps) with N held-out images of the loaded dataset, in the features of a small
        classifier the lab trains on that dataset once and keeps. The distance is comparable between models trained on
        the same data, not with published FID numbers.
      </p>
      <div className="row">
        <label htmlFor="score-num">Samples to compare (N)</label>
        <input
          id="score-num"
          type="number"
          min={2}
          max={MAX_SCORE_IMAGES}
          value={num}
          aria-invalid={!valid}
          onChange={(e) => setNum(Number(e.target.value))}
        />
        <button type="button" onClick={() => score(num)} disabled={!hasModel || !valid || running}>
          Score samples
        </button>
        <button type="button" onClick={cancel} disabled={!running}>
          Stop scoring
        </button>
        {running && (
          <ProgressBar
            label="Score progress"
            testId="score-progress"
            value={status.done}
            max={status.total}
            text={`${PHASES[status.phase]}: ${status.done} / ${status.total}`}
          />
        )}
      </div>
      {!valid && (
        <p role="alert" className="error">
          Samples to compare (N) must be a whole number from 2 to {MAX_SCORE_IMAGES.toLocaleString()}.
        </p>
      )}
      {status.kind === 'done' && (
        <dl className="score" data-testid="score-result" data-fcd={status.score.fcd}>
          <dt>{status.label}</dt>
          <dd>{status.score.fcd.toFixed(2)}</dd>
          <dt>Classifier score of the samples (real images: {status.score.realClassifierScore.toFixed(2)})</dt>
          <dd>{status.score.classifierScore.toFixed(2)}</dd>
          <dt>Images compared</dt>
          <dd>
            {status.score.n} each · {(status.totalMs / 1000).toFixed(1)} s
            {status.classifierCached ? ' · classifier from the cache' : ''}
          </dd>
          {status.warnings.map((w) => (
            <dd key={w} className="warning">
              {w}
            </dd>
          ))}
        </dl>
      )}
      {status.kind === 'cancelled' && <p>Cancelled.</p>}
      {status.kind === 'failed' && (
        <p role="alert" className="error" data-testid="score-error">
          {status.message}
        </p>
      )}
    </section>
  );
}
