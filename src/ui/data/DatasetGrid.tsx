import { GridCanvas } from '../GridCanvas';
import { useImageScale } from '../ImageSizeControl';
import type { ImageBatch } from '../../io/image';

interface Props {
  name: string;
  preview: ImageBatch;
  /** Preview images chosen for the forward-process view. */
  selected: readonly number[];
  onToggle(index: number): void;
  onReshuffle(): void;
  busy: boolean;
}

/** 64 random images of the active dataset; a click picks images for the forward-process view. */
export function DatasetGrid({ name, preview, selected, onToggle, onReshuffle, busy }: Props) {
  const scale = useImageScale(preview.width);
  return (
    <section className="panel" aria-labelledby="grid-title">
      <h2 id="grid-title">
        {preview.count} random images <span className="hint">from {name}</span>
      </h2>
      <GridCanvas
        batch={preview}
        scale={scale}
        label={`${preview.count} random images from ${name}`}
        testId="dataset-grid"
        onTile={onToggle}
        marked={selected}
        describe={(i) => (selected.includes(i) ? 'selected for the forward process' : 'not selected')}
      />
      <div className="row">
        <button type="button" onClick={onReshuffle} disabled={busy}>
          Reshuffle
        </button>
        <span className="hint">
          Click an image (or use the arrow keys and Enter) to add it to the forward process.
        </span>
      </div>
    </section>
  );
}
