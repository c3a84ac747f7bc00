import { useId, type ChangeEvent } from 'react';

/** What the worker said about the model it holds. */
export interface ModelInfo {
  source: string;
  parameters: number;
  sampleSize: number;
  channels: number;
  diffusersCompatible: boolean;
  /** T of the scheduler that came with the model, when one did. */
  trainTimesteps: number | undefined;
  warnings: string[];
}

export type ImportStatus = { kind: 'idle' } | { kind: 'working'; name: string } | { kind: 'error'; message: string };

interface Props {
  model: ModelInfo | undefined;
  status: ImportStatus;
  onFiles(files: File[]): void;
}

/** Import a diffusers unet or pipeline: a folder, a zip, or a .safetensors with its config.json. */
export function ImportPanel({ model, status, onFiles }: Props) {
  const id = useId();
  const busy = status.kind === 'working';
  const pick = (e: ChangeEvent<HTMLInputElement>) => {
    const files = Array.from(e.target.files ?? []);
    if (files.length > 0) onFiles(files);
    e.target.value = '';
  };
  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Import</h2>
      <div className="row">
        <label htmlFor={`${id}-files`}>Zip or files</label>
        <input id={`${id}-files`} data-testid="import-files" type="file" multiple accept=".zip,.safetensors,.json" disabled={busy} onChange={pick} />
      </div>
      <div className="row">
        <label htmlFor={`${id}-folder`}>Folder</label>
        <input
          id={`${id}-folder`}
          type="file"
          disabled={busy}
          onChange={pick}
          ref={(el) => {
            // Not in React's typings: lets the picker choose a whole pipeline or unet folder.
            if (el) el.webkitdirectory = true;
          }}
        />
      </div>
      <p className="hint">
        A diffusers pipeline or <code>unet</code> folder, a zip of one, or a <code>.safetensors</code> with its{' '}
        <code>config.json</code>: for example the paper's <code>google/ddpm-cifar10-32</code> (older attention names
        included). On this tab you can also drop the files anywhere on the page.
      </p>
      {status.kind === 'working' && <p aria-live="polite">Reading {status.name}…</p>}
      {status.kind === 'error' && (
        <p role="alert" className="error" data-testid="import-error">
          {status.message}
        </p>
      )}
      {model && (
        <dl className="model-info" data-testid="model-info">
          <dt>Model</dt>
          <dd>{model.source}</dd>
          <dt>Parameters</dt>
          <dd>{model.parameters.toLocaleString('en')}</dd>
          <dt>Images</dt>
          <dd>
            {model.sampleSize}×{model.sampleSize}, {model.channels === 1 ? 'gray' : `${model.channels} channels`}
          </dd>
          <dt>Scheduler</dt>
          <dd>{model.trainTimesteps ? `T = ${model.trainTimesteps}, from the bundle` : 'none in the bundle: the current config’s'}</dd>
          <dt>diffusers</dt>
          <dd>{model.diffusersCompatible ? 'compatible' : 'lab format only (BatchNorm ablation)'}</dd>
        </dl>
      )}
      {model?.warnings.map((w) => (
        <p key={w} className="warning">
          {w}
        </p>
      ))}
    </section>
  );
}
