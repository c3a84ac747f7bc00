import type { SplitKSum } from '../../model/webgpu/gemm';
import { mergeSplitKSums, type SumCandidate } from './splitKSums';

/** A split GEMM writing partial products `p` from `x`. */
const gemm = (p: string, ...inputs: string[]): SumCandidate<string> => ({ output: p, inputs });

/** A split-K sum of `p` into `out` (and tails), with its pieces. */
function sum(p: string, out: string, tails: { id: string; length: number; inPlace?: number }[] = []) {
  const main = 10;
  let start = main;
  const splitKSum: SplitKSum = {
    splits: 3,
    size: main + tails.reduce((n, t) => n + t.length, 0),
    pieces: [
      { start: 0, length: main, offset: 0, inPlace: false },
      ...tails.map((t) => {
        const piece = { start, length: t.length, offset: t.inPlace ?? 0, inPlace: t.inPlace !== undefined };
        start += t.length;
        return piece;
      }),
    ],
  };
  return { output: out, inputs: [p, ...tails.map((t) => t.id)], writes: tails.map((t) => t.id), splitKSum };
}

/** Bytes of a value: p1 300 (two 256-byte blocks), every other 100. */
const bytes = (id: string) => (id === 'p1' ? 300 : 100);

/** Names for the groups' wholes: W0, W1, … */
function whole(): () => string {
  let n = 0;
  return () => `W${n++}`;
}

describe('mergeSplitKSums', () => {
  it('merges the sums whose results are gradients or in-place windows, before the first read of any', () => {
    const list: SumCandidate<string>[] = [
      gemm('p1', 'x'),
      sum('p1', 'gW1', [
        { id: 'gb1', length: 2 },
        { id: 'packed', length: 4, inPlace: 40 },
      ]),
      gemm('p2', 'x'),
      sum('p2', 'act'), // not a gradient: stays
      gemm('p3', 'act'),
      sum('p3', 'gW3'),
      { output: 'dTemb', inputs: ['packed'] }, // the time projections' backward reads the window
      gemm('p4', 'x'),
      sum('p4', 'gW4'), // after that read: stays
    ];
    const groups = mergeSplitKSums(list, new Set(['gW1', 'gb1', 'gW3', 'gW4']), bytes, 1e9, whole());
    expect(groups).toHaveLength(1);
    const [m] = groups;
    expect(m.merged).toEqual([1, 5]);
    expect(m.position).toBe(6);
    expect([...m.parts]).toEqual([
      ['p1', { whole: 'W0', offset: 0 }],
      ['p3', { whole: 'W0', offset: 512 }],
    ]);
    expect(m.bytes).toBe(512 + 256);
    expect(m.pieces.map((p) => [p.partial, p.into, p.start, p.length, p.offset, p.stride, p.splits])).toEqual([
      ['p1', 'gW1', 0, 10, 0, 16, 3],
      ['p1', 'gb1', 10, 2, 0, 16, 3],
      ['p1', 'packed', 12, 4, 40, 16, 3],
      ['p3', 'gW3', 0, 10, 0, 10, 3],
    ]);
    expect(m.dispatch).toEqual({ output: 'gW1', inputs: ['p1', 'p3'], writes: ['gb1', 'packed', 'gW3'] });
  });

  it('leaves a sum whose partial products something else reads too, and merges nothing for one sum', () => {
    const shared: SumCandidate<string>[] = [gemm('p1', 'x'), sum('p1', 'g1'), { output: 'y', inputs: ['p1'] }];
    expect(mergeSplitKSums(shared, new Set(['g1']), bytes, 1e9, whole())).toEqual([]);
    const two = [gemm('p1', 'x'), sum('p1', 'g1'), gemm('p2', 'x'), sum('p2', 'g2')];
    expect(mergeSplitKSums(two, new Set(['g1', 'g2']), bytes, 1e9, whole()).map((g) => g.position)).toEqual([4]);
    expect(mergeSplitKSums(two, new Set(['g1']), bytes, 1e9, whole())).toEqual([]);
  });

  it('closes a group when its partial products would pass the budget', () => {
    // p1 takes 512 bytes, p2…p4 256 each: with 1,024 bytes, {1, 2, 3} then {4, 5} (p5: 256).
    const list = [1, 2, 3, 4, 5].flatMap((k) => [gemm(`p${k}`, 'x'), sum(`p${k}`, `g${k}`)]);
    const grads = new Set([1, 2, 3, 4, 5].map((k) => `g${k}`));
    const groups = mergeSplitKSums(list, grads, bytes, 1024, whole());
    expect(groups.map((g) => g.merged)).toEqual([
      [1, 3, 5],
      [7, 9],
    ]);
    expect(groups.map((g) => [g.whole, g.bytes, g.position])).toEqual([
      ['W0', 1024, 6],
      ['W1', 512, 10],
    ]);
  });
});
