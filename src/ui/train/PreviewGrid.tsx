import { GridCanvas } from '../GridCanvas';
import { useImageScale } from '../ImageSizeControl';
import type { ImageBatch } from '../../io/image';

/** The trainer's periodic fixed-seed samples, so a learner sees what the loss curve means. */
export function PreviewGrid({ preview }: { preview: { step: number; batch: ImageBatch } | undefined }) {
  const scale = useImageScale(preview?.batch.width ?? 1);
  return (
    <figure className="chart" data-testid="train-preview" data-step={preview?.step}>
      <figcaption>
        Preview samples {preview ? `at step ${preview.step}` : '(appear while training)'}
      </figcaption>
      {preview && (
        <GridCanvas batch={preview.batch} scale={scale} label={`Samples at step ${preview.step}`} />
      )}
    </figure>
  );
}
