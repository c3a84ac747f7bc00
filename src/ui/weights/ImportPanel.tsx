import { useId, type ChangeEvent } from 'react';
import type { ImportStatus } from '../../store/weightsStore';
import type { ModelSummary } from '../../worker/protocol';
import { unetText } from '../modelText';

interface Props {
  model: ModelSummary | undefined;
  status: ImportStatus;
  onFiles(files: File[]): void;
}

/** Import a diffusers unet or pipeline: a folder, a zip, or a .safetensors with its config.json. */
export function ImportPanel({ model, status, onFiles }: Props) {
  const id = useId();
  const busy = status.kind === 'running';
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
        <input
          id={`${id}-files`}
          data-testid="import-files"
          type="file"
          multiple
          accept=".zip,.safetensors,.json"
          disabled={busy}
          onChange={pick}
        />
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
        A diffusers pipeline or <code>unet</code> folder, a zip of one, or a <code>.safetensors</code> with
        its <code>config.json</code>: for example the paper's <code>google/ddpm-cifar10-32</code> (older
        attention names included). On this tab you can also drop the files anywhere on the page.
      </p>
      {status.kind === 'running' && <p aria-live="polite">Reading {status.name}…</p>}
      {status.kind === 'failed' && (
        <p role="alert" className="error" data-testid="import-error">
          {status.message}
        </p>
      )}
      {model && (
        <dl className="model-info" data-testid="model-info">
          <dt>Model</dt>
          <dd>
            {model.origin === 'trained' ? 'trained here' : 'imported'}: {model.source.join(', ')}
          </dd>
          <dt>Parameters</dt>
          <dd>{model.parameterCount.toLocaleString('en')}</dd>
          <dt>U-Net</dt>
          <dd>{unetText(model.config)}</dd>
          <dt>Weights</dt>
          <dd data-testid="model-weights">
            {model.weights.includes('ema')
              ? 'EMA (sampled by default and exported) and raw'
              : model.origin === 'trained'
                ? 'raw only (EMA was off)'
                : 'one set, as imported'}
          </dd>
          <dt>Scheduler</dt>
          <dd>
            {model.scheduler
              ? `${model.scheduler.kind.toUpperCase()}, T = ${model.scheduler.config.num_train_timesteps}, ${model.scheduler.config.beta_schedule} betas, ${model.origin === 'trained' ? 'from the run config' : 'from the bundle'}`
              : 'none in the bundle: sampling uses the paper’s schedule'}
          </dd>
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
