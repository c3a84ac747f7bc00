/** What recharts passes a custom tick renderer (the part this one reads). */
interface TickProps {
  x?: number | string;
  y?: number | string;
  payload?: { value: number };
  textAnchor?: string;
  orientation?: string;
}

/**
 * An axis tick label as plain SVG text. Recharts' own tick text measures every new label in the
 * DOM (a forced layout each); these charts update while training, where the main thread must stay
 * under 50 ms per task, so labels are drawn without measuring.
 */
export function plainTick(format: (v: number) => string) {
  return function Tick({ x: xIn = 0, y: yIn = 0, payload, orientation }: TickProps) {
    const x = Number(xIn);
    const y = Number(yIn);
    const anchor = orientation === 'left' ? 'end' : orientation === 'right' ? 'start' : 'middle';
    const dy = orientation === 'bottom' ? 12 : 4;
    const dx = orientation === 'left' ? -3 : orientation === 'right' ? 3 : 0;
    return (
      <text x={x + dx} y={y + dy} textAnchor={anchor} fontSize={11} fill="currentColor" opacity={0.75}>
        {payload ? format(payload.value) : ''}
      </text>
    );
  };
}
