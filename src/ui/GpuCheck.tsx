import { useLab } from '../store/labStore';

/** A real matrix-multiply benchmark in the worker, so a user sees what their GPU delivers. */
export function GpuCheck() {
  const check = useLab((s) => s.gpuCheck);
  const ready = useLab((s) => s.backend !== undefined);
  const run = useLab((s) => s.runGpuCheck);
  return (
    <div className="gpu-check" role="group" aria-label="GPU check">
      <button
        type="button"
        onClick={() => void run()}
        disabled={!ready || check.kind === 'running'}
        title="Times 8 multiplications of two 512×512 matrices on the active backend."
      >
        {check.kind === 'running' ? 'Measuring…' : 'Run GPU check'}
      </button>
      {check.kind === 'done' && (
        <span data-testid="gpu-check-result" data-gflops={check.gflops}>
          {' '}
          <strong>{check.gflops.toFixed(1)} GFLOP/s</strong> ({check.ms.toFixed(0)} ms for {check.size}²
          matmuls)
        </span>
      )}
      {check.kind === 'failed' && (
        <span role="alert" className="error">
          {' '}
          GPU check failed: {check.message}
        </span>
      )}
    </div>
  );
}
