import { emaDecayText } from './emaText';

describe('EMA status text', () => {
  it('shows the decay in use: the paper’s first copy, the warm-up’s and the constant decay', () => {
    expect(emaDecayText(1e-10)).toBe('EMA decay 1e-10 (first update copies the weights)');
    expect(emaDecayText(2 / 11)).toBe('EMA decay 0.181818');
    expect(emaDecayText(0.9999)).toBe('EMA decay 0.9999');
    expect(emaDecayText(0.99995)).toBe('EMA decay 0.99995');
    expect(emaDecayText(null)).toBe('EMA off');
  });
});
