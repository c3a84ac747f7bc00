import { useRunImport } from '../../store/runImportStore';
import { useTrain } from '../../store/trainStore';
import { useWeights } from '../../store/weightsStore';
import { ExportPanel } from './ExportPanel';
import { ImportPanel } from './ImportPanel';
import { RunImportPanel } from './RunImportPanel';

/** Export the current model (and the run), import a diffusers model or an exported run. */
export function WeightsView() {
  const model = useWeights((s) => s.model);
  const exportStatus = useWeights((s) => s.exportStatus);
  const importStatus = useWeights((s) => s.importStatus);
  const trainRun = useTrain((s) => s.runId);
  const runExport = useTrain((s) => s.runExport);
  const runImport = useRunImport((s) => s.status);
  const { exportPipeline, importFiles } = useWeights.getState();
  return (
    <div className="two-col-even">
      <ExportPanel
        blocked={model ? undefined : 'Train a model or import one first.'}
        notDiffusers={
          model && !model.diffusersCompatible
            ? 'This model has the lab-only BatchNorm after conv_in, which diffusers’ UNet2DModel cannot hold: use Export run (the lab’s own format).'
            : undefined
        }
        status={exportStatus}
        runStatus={runExport}
        onPipeline={exportPipeline}
        onRun={trainRun ? () => useTrain.getState().exportRun('run') : undefined}
        onPytorch={trainRun ? () => useTrain.getState().exportRun('pytorch') : undefined}
      />
      <ImportPanel model={model} status={importStatus} onFiles={(files) => void importFiles(files)} />
      <RunImportPanel status={runImport} onFile={(file) => void useRunImport.getState().importRun(file)} />
    </div>
  );
}
