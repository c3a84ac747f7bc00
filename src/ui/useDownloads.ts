import { useEffect } from 'react';
import { useTrain } from '../store/trainStore';
import { useWeights } from '../store/weightsStore';
import { downloadBytes } from './download';

/**
 * Saves finished exports (the pipeline zip, the run zip) whichever tab is open: Export run has a
 * button on the Weights tab and another in the storage-full banner, and an export may finish after
 * the user moved on. Mounted once, in App.
 */
export function useDownloads(): void {
  const lastExport = useWeights((s) => s.lastExport);
  const runExport = useTrain((s) => s.runExport);
  useEffect(() => {
    if (lastExport) downloadBytes(lastExport.bytes, lastExport.fileName, 'application/zip');
  }, [lastExport]);
  useEffect(() => {
    if (runExport.kind === 'done') downloadBytes(runExport.bytes, runExport.fileName, 'application/zip');
  }, [runExport]);
}
