import { useLab } from '../store/labStore';

const LABELS = { webgpu: 'WebGPU', webgl: 'WebGL', cpu: 'CPU' } as const;

/** Shows the compute backend really in use, the adapter behind it, and why others were skipped. */
export function BackendBadge() {
  const backend = useLab((s) => s.backend);
  if (!backend)
    return (
      <span className="badge" data-testid="backend-badge">
        Starting compute…
      </span>
    );
  const adapter = backend.adapter;
  const detail = adapter
    ? ` · ${adapter.vendor || 'unknown vendor'}/${adapter.architecture || 'unknown'}`
    : '';
  const fellBack = backend.name !== 'webgpu';
  return (
    <div className="backend">
      <span
        className={`badge ${fellBack ? 'badge-warn' : 'badge-ok'}`}
        data-testid="backend-badge"
        data-backend={backend.name}
        title={adapter?.description || undefined}
      >
        {LABELS[backend.name]}
        {detail}
        {adapter?.isFallbackAdapter ? ' (software adapter)' : ''}
      </span>
      {backend.requested !== 'auto' && (
        <span className="hint" data-testid="backend-forced">
          {' '}
          chosen by ?backend={backend.requested}
          {backend.requested !== backend.name
            ? `, which could not start: fell back to ${LABELS[backend.name]}`
            : ''}
        </span>
      )}
      {backend.fallbackReasons.length > 0 && (
        <ul className="fallback" data-testid="fallback-reasons" aria-label="Why other backends were not used">
          {backend.fallbackReasons.map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
