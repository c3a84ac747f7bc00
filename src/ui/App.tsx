import { useEffect } from 'react';
import { useLab } from '../store/labStore';
import { BackendBadge } from './BackendBadge';
import { GpuCheck } from './GpuCheck';

export function App() {
  const connect = useLab((s) => s.connect);
  const error = useLab((s) => s.error);
  const urlWarning = useLab((s) => s.urlWarning);
  useEffect(() => connect(window.location.search), [connect]);
  return (
    <div className="app">
      <header className="topbar">
        <h1>Diffusion Lab</h1>
        <BackendBadge />
      </header>
      {urlWarning && (
        <p role="alert" className="warning">
          {urlWarning}
        </p>
      )}
      {error && (
        <p role="alert" className="error" data-testid="lab-error">
          {error}
        </p>
      )}
      <main>
        <GpuCheck />
      </main>
    </div>
  );
}
