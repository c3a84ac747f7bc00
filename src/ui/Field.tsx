import { useId, type ReactNode } from 'react';

interface Props {
  label: string;
  /** Where the default comes from, shown as the tooltip and to screen readers. */
  help?: string;
  error?: string;
  /** Marks a value that differs from the paper's recipe. */
  deviates?: string;
  children: (id: string, describedBy: string | undefined) => ReactNode;
}

/** A labelled form field with its help text as a tooltip and its validation message inline. */
export function Field({ label, help, error, deviates, children }: Props) {
  const id = useId();
  const helpId = help ? `${id}-help` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [errorId, helpId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' invalid' : ''}${deviates ? ' deviates' : ''}`}>
      <label htmlFor={id} title={help}>
        {label}
        {help && (
          <span className="help-mark" aria-hidden>
            ?
          </span>
        )}
      </label>
      {children(id, describedBy)}
      {deviates && <span className="deviation">{deviates}</span>}
      {help && (
        <span id={helpId} className="sr-only">
          {help}
        </span>
      )}
      {error && (
        <span id={errorId} role="alert" className="error field-error">
          {error}
        </span>
      )}
    </div>
  );
}
