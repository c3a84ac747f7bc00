import { planStep, type PlanDispatch } from './plan';

/** Values 'a'..; each dispatch writes one and reads some. */
const d = (output: string, ...inputs: string[]): PlanDispatch<string> => ({ output, inputs });
const sizes = (entries: Record<string, number>) => new Map(Object.entries(entries));

describe('planStep', () => {
  it('shares a slot between values whose lifetimes do not overlap, never between a dispatch’s input and output', () => {
    // w (weight) → a → b → c → loss; a dies at b's dispatch, b at c's.
    const dispatches = [d('a', 'w'), d('b', 'a'), d('c', 'b'), d('loss', 'c')];
    const plan = planStep(
      dispatches,
      sizes({ a: 64, b: 64, c: 32, loss: 4 }),
      new Set(['w']),
      new Set(),
      [],
      ['loss'],
    );
    const slot = (id: string) => {
      const p = plan.placement.get(id);
      if (p?.kind !== 'slot') throw new Error(`${id} is not in a slot`);
      return p.slot;
    };
    expect(slot('a')).not.toBe(slot('b'));
    expect(slot('c')).toBe(slot('a')); // a is dead once b is written
    expect(slot('loss')).toBe(slot('b'));
    expect(plan.slotBytes.length).toBe(2);
    expect(plan.unsharedBytes).toBe(164);
    expect(plan.slotBytes.reduce((x, y) => x + y, 0)).toBe(128);
    expect(plan.placement.get('w')).toEqual({ kind: 'external' });
  });

  it('keeps kept values alive to the end', () => {
    const plan = planStep(
      [d('a', 'x'), d('loss', 'a'), d('b', 'x'), d('c', 'b')],
      sizes({ a: 8, loss: 4, b: 8, c: 8 }),
      new Set(['x']),
      new Set(),
      [],
      ['loss', 'c'],
    );
    const slots = ['a', 'loss', 'b', 'c'].map((id) => (plan.placement.get(id) as { slot: number }).slot);
    expect(slots[2]).toBe(slots[0]); // b reuses a's slot
    expect(new Set([slots[1], slots[2], slots[3]]).size).toBe(3);
  });

  it('writes gradients in place unless their dispatch would read the flat gradient too, or nothing wrote them', () => {
    const dispatches = [d('g0', 'x'), d('g1', 'g0'), d('h', 'x'), d('g2', 'h')];
    const plan = planStep(
      dispatches,
      sizes({ g0: 8, g1: 8, h: 8, g2: 8 }),
      new Set(['x', 'zero']),
      new Set(),
      ['g0', 'g1', 'g2', 'zero'],
      [],
    );
    expect(plan.placement.get('g1')).toEqual({ kind: 'grad', param: 1 });
    expect(plan.placement.get('g2')).toEqual({ kind: 'grad', param: 2 });
    expect(plan.placement.get('g0')?.kind).toBe('slot');
    expect(plan.gradCopies).toEqual(
      expect.arrayContaining([
        { value: 'g0', param: 0 },
        { value: 'zero', param: 3 },
      ]),
    );
    expect(plan.gradCopies.length).toBe(2);
  });

  it('keeps a value written twice (zero-fill, then accumulate) in one slot from its first write to its last use', () => {
    const plan = planStep(
      [d('acc', 'x'), d('y', 'x'), d('acc', 'y'), d('out', 'acc')],
      sizes({ acc: 8, y: 8, out: 8 }),
      new Set(['x']),
      new Set(),
      [],
      ['out'],
    );
    const slot = (id: string) => (plan.placement.get(id) as { slot: number }).slot;
    expect(slot('y')).not.toBe(slot('acc'));
    expect(slot('out')).not.toBe(slot('acc'));
  });

  it('places side outputs like outputs: apart from the dispatch’s inputs and each other, gradients in place', () => {
    // A GroupNorm-like forward writes y and its statistics s; the backward reads both and writes
    // two gradients (dγ, dβ) at once; a conv-like weight gradient writes gW and gb from x and dy.
    const dispatches: PlanDispatch<string>[] = [
      { output: 'y', inputs: ['x', 's'], writes: ['s'] },
      d('dy', 'y'),
      { output: 'gGamma', inputs: ['x', 'dy', 's', 'gBeta'], writes: ['gBeta'] },
      { output: 'gW', inputs: ['x', 'dy', 'gb'], writes: ['gb'] },
    ];
    const plan = planStep(
      dispatches,
      sizes({ y: 64, s: 8, dy: 64, gGamma: 4, gBeta: 4, gW: 16, gb: 4 }),
      new Set(['x']),
      new Set(),
      ['gGamma', 'gBeta', 'gW', 'gb'],
      [],
    );
    const slot = (id: string) => (plan.placement.get(id) as { kind: string; slot: number }).slot;
    expect(plan.placement.get('s')?.kind).toBe('slot');
    expect(slot('s')).not.toBe(slot('y'));
    expect(slot('dy')).not.toBe(slot('s')); // s is read after dy is written
    for (const [id, param] of [
      ['gGamma', 0],
      ['gBeta', 1],
      ['gW', 2],
      ['gb', 3],
    ] as const)
      expect(plan.placement.get(id)).toEqual({ kind: 'grad', param });
    expect(plan.gradCopies).toEqual([]);
  });

  it('places parts inside their whole, which lives from the first part’s write to the last read', () => {
    // Two split products p and q, parts of P, read together by a merged sum much later; h, k between.
    const parts = new Map([
      ['p', { whole: 'P', offset: 0 }],
      ['q', { whole: 'P', offset: 256 }],
    ]);
    const plan = planStep(
      [d('a', 'x'), d('p', 'a'), d('h', 'x'), d('q', 'x'), d('k', 'h'), { output: 'g', inputs: ['p', 'q'] }, d('m', 'x')],
      sizes({ a: 16, p: 100, q: 8, P: 512, h: 64, k: 64, g: 4, m: 512 }),
      new Set(['x']),
      new Set(),
      ['g'],
      ['k', 'm'],
      parts,
    );
    const slot = (id: string) => (plan.placement.get(id) as { slot: number }).slot;
    expect(plan.placement.get('P')?.kind).toBe('slot');
    expect(plan.placement.get('p')).toEqual({ kind: 'part', slot: slot('P'), offset: 0 });
    expect(plan.placement.get('q')).toEqual({ kind: 'part', slot: slot('P'), offset: 256 });
    expect(plan.placement.get('g')).toEqual({ kind: 'grad', param: 0 });
    // P is alive while h and k are: they take other slots; m, written after the sum, reuses P's.
    expect([slot('h'), slot('k')]).not.toContain(slot('P'));
    expect(slot('m')).toBe(slot('P'));
    expect(plan.unsharedBytes).toBe(16 + 512 + 64 + 64 + 512); // the whole once, not its parts
  });

  it('refuses a dispatch that reads a value nobody wrote or binds', () => {
    expect(() => planStep([d('a', 'ghost')], sizes({ a: 4 }), new Set(), new Set(), [], [])).toThrow(
      /nothing wrote/,
    );
  });
});
