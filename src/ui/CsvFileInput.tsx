/**
 * A file input for one CSV (a metrics.csv or a loss log): hands the picked file on and clears
 * itself, so picking the same file again (after fixing it) reads it again.
 */
export function CsvFileInput({
  label,
  testId,
  onFile,
}: {
  label: string;
  testId?: string;
  onFile: (file: File) => void;
}) {
  return (
    <input
      type="file"
      accept=".csv,text/csv"
      aria-label={label}
      data-testid={testId}
      onChange={(e) => {
        const file = e.target.files?.[0];
        if (file) onFile(file);
        e.target.value = '';
      }}
    />
  );
}
