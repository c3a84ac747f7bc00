import { useLab } from '../store/labStore';

const LABELS = { webgpu: 'WebGPU', webgl: 'WebGL', cpu: 'CPU' } as const;

/**
 * Shows the compute backend really in use, the adapter behind it, why others were skipped, and
 * with `?gpu-features=` the optional shader features the device runs with and those it lacks.
 */
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
      {backend.gpuFeatures && (
        <span className="hint" data-testid="gpu-features">
          {' '}
          shader features: {backend.gpuFeatures.granted.join(', ') || 'none'} (?gpu-features)
        </span>
      )}
      {backend.gpuFeatures && backend.gpuFeatures.missing.length > 0 && (
        <ul className="fallback" data-testid="gpu-features-missing" aria-label="Shader features this GPU lacks">
          {backend.gpuFeatures.missing.map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
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
