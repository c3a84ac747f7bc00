import { useId, useRef, type ChangeEvent } from 'react';
import type { BuiltinDataset } from '../../data/builtins';
import type { LoadStatus } from '../../store/datasetStore';
import { ProgressBar } from '../ProgressBar';

interface Props {
  builtins: readonly BuiltinDataset[];
  /** The built-in in use, if the active dataset is one. */
  activeId: string | undefined;
  status: LoadStatus;
  onBuiltin(id: string): void;
  onFiles(files: File[]): void;
}

const ACCEPT = '.gz,.tgz,.tar,.bin,.zip,.png,.jpg,.jpeg,.webp,.gif,.bmp,-ubyte,.idx';

/** Built-in datasets as radio buttons, and the learner's own files by picker (drag-and-drop works page-wide). */
export function DatasetPicker({ builtins, activeId, status, onBuiltin, onFiles }: Props) {
  const fileId = useId();
  const input = useRef<HTMLInputElement>(null);
  const busy = status.kind === 'running';
  const onChange = (e: ChangeEvent<HTMLInputElement>) => {
    const files = Array.from(e.target.files ?? []);
    if (files.length > 0) onFiles(files);
    e.target.value = '';
  };
  return (
    <section className="panel" aria-labelledby="dataset-title">
      <h2 id="dataset-title">Dataset</h2>
      <fieldset className="choices" disabled={busy}>
        <legend className="sr-only">Built-in datasets</legend>
        {builtins.map((b) => (
          <label key={b.id} className="choice" title={`${b.description} Licence: ${b.licence}.`}>
            <input
              type="radio"
              name="builtin-dataset"
              value={b.id}
              checked={activeId === b.id}
              onChange={() => onBuiltin(b.id)}
            />
            <span>
              <strong>{b.title}</strong>
              <span className="hint">
                {' '}
                {b.count.toLocaleString('en')} · {b.height}×{b.width}
                {b.channels === 3 ? ' RGB' : ' gray'}
              </span>
            </span>
          </label>
        ))}
      </fieldset>
      <div className="file-drop">
        <label htmlFor={fileId}>Your own files</label>{' '}
        <input
          ref={input}
          id={fileId}
          data-testid="dataset-file-input"
          type="file"
          multiple
          accept={ACCEPT}
          disabled={busy}
          onChange={onChange}
        />
        <p className="hint">
          CIFAR-10 <code>cifar-10-binary.tar.gz</code> or its <code>.bin</code> batches, MNIST-style idx files
          (raw or .gz), images or a zip of them (one folder per class). Or drop them anywhere on the page.
        </p>
      </div>
      {status.kind === 'running' && (
        <ProgressBar
          label={`Loading ${status.name}`}
          testId="dataset-progress"
          value={status.bytesDone}
          max={status.bytesTotal}
          text={`Loading ${status.name}: ${mib(status.bytesDone)} of ${mib(status.bytesTotal)} MiB`}
        />
      )}
      {status.kind === 'failed' && (
        <p role="alert" className="error" data-testid="dataset-error">
          {status.message}
        </p>
      )}
    </section>
  );
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}
