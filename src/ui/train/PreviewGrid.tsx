import { GridCanvas } from '../GridCanvas';
import type { ImageBatch } from '../../io/image';

/** The trainer's periodic fixed-seed samples, so a learner sees what the loss curve means. */
export function PreviewGrid({ preview }: { preview: { step: number; batch: ImageBatch } | undefined }) {
  return (
    <figure className="chart" data-testid="train-preview" data-step={preview?.step}>
      <figcaption>
        Preview samples {preview ? `at step ${preview.step}` : '(appear while training)'}
      </figcaption>
      {preview && (
        <GridCanvas
          batch={preview.batch}
          scale={preview.batch.width <= 16 ? 6 : 3}
          label={`Samples at step ${preview.step}`}
        />
      )}
    </figure>
  );
}
