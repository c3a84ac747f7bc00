import { applyOverrides, presetRunConfig } from '../../config';
import { differsFromPaper, scoreText } from './runText';

describe("the runs list's words", () => {
  it('says "—" for a run whose model was not scored, else the FCD with how and when it was measured', () => {
    expect(scoreText(null)).toBe('—');
    expect(scoreText({ fcd: 12.3456, classifierScore: 3.14159, n: 64, step: 1800 })).toBe(
      '12.3 (classifier score 3.14; 64 samples at step 1,800)',
    );
  });

  it('names what differs from the paper, leaving out bookkeeping, and says when the config is unknown', () => {
    const paper = presetRunConfig('paper');
    expect(differsFromPaper(paper)).toBe('nothing');
    expect(differsFromPaper(applyOverrides(paper, { training: { seed: 9, targetSteps: 5 } }))).toBe(
      'nothing',
    );
    expect(differsFromPaper(applyOverrides(paper, { training: { doubleOptimizerStep: true } }))).toBe(
      'training.doubleOptimizerStep',
    );
    expect(differsFromPaper(null)).toBe('unknown (a log without its config)');
  });
});
