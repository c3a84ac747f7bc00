import { useHealth } from '../store/healthStore';
import { useTrain } from '../store/trainStore';

/**
 * What went wrong outside any one tab, with the action that fixes it: a worker that stopped
 * (Restart), a restart in progress or failed, and autosaves that no longer fit (Export run).
 */
export function FaultBanner() {
  const worker = useHealth((s) => s.worker);
  const storageFull = useHealth((s) => s.storageFull);
  const runExport = useTrain((s) => s.runExport);
  const canExport = useTrain((s) => s.runId !== undefined) && runExport.kind !== 'running';
  const { restart, dismissStorage } = useHealth.getState();
  const restartButton = (
    <button type="button" onClick={() => void restart()}>
      Restart
    </button>
  );
  return (
    <>
      {worker.kind === 'stopped' && (
        <div role="alert" className="error" data-testid="worker-stopped">
          The lab worker stopped{worker.step === undefined ? '' : ` (training was at step ${worker.step})`}.{' '}
          {worker.checkpoint
            ? `Restart starts a new one and resumes from the last checkpoint (step ${worker.checkpoint.step}).`
            : 'Restart starts a new one.'}{' '}
          {restartButton}
        </div>
      )}
      {worker.kind === 'restarting' && (
        <p role="status" className="warning" data-testid="worker-restarting">
          Restarting the lab worker: {worker.phase}…
        </p>
      )}
      {worker.kind === 'failed' && (
        <div role="alert" className="error" data-testid="worker-restart-failed">
          The lab worker could not be restarted: {worker.message} {restartButton}
        </div>
      )}
      {storageFull && (
        <div role="alert" className="warning" data-testid="storage-full">
          {storageFull}{' '}
          <button type="button" onClick={() => useTrain.getState().exportRun()} disabled={!canExport}>
            Export run
          </button>{' '}
          <button type="button" onClick={dismissStorage}>
            Dismiss
          </button>
          {runExport.kind === 'running' && ' Exporting…'}
          {runExport.kind === 'failed' && ` Export failed: ${runExport.message}`}
        </div>
      )}
    </>
  );
}
