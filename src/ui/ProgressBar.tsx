interface Props {
  label: string;
  value: number;
  max: number;
  text?: string;
  testId?: string;
}

/** A labelled progress bar with its numbers spelled out beside it. */
export function ProgressBar({ label, value, max, text, testId }: Props) {
  return (
    <div className="progress" data-testid={testId}>
      <progress aria-label={label} value={Math.min(value, max)} max={Math.max(max, 1)} />
      {text && <span className="progress-text">{text}</span>}
    </div>
  );
}
