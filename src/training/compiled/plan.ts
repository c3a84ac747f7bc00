/**
 * Where every value of a captured step lives. Each data id gets a placement: an external
 * binding the caller owns (a weight's slice of the flat parameters, a per-step input), its slice
 * of the flat gradient (a parameter's final gradient is written there in place), a constant, or
 * a slot: a buffer shared by values whose lifetimes (first write to last read) do not overlap,
 * assigned greedily in dispatch order, so activations reuse memory; or a part of such a value
 * (values one dispatch reads together, e.g. the partial products of merged split-K sums,
 * splitKSums.ts: one binding for all of them, alive from the first one's write). A gradient whose dispatch
 * would read and write the flat gradient at once (WebGPU forbids a writable binding to alias any
 * other in one dispatch) is placed in a slot and copied afterwards.
 */

/** What a dispatch reads and writes, by value id. */
export interface PlanDispatch<Id> {
  output: Id;
  /** Its other bindings; those also in `writes` are written (side outputs), the rest read. */
  inputs: readonly Id[];
  writes?: readonly Id[];
}

/** Every value a dispatch writes: its output, then its side outputs. */
const written = <Id>(d: PlanDispatch<Id>): Id[] => [d.output, ...(d.writes ?? [])];
/** Every value a dispatch reads. */
const read = <Id>(d: PlanDispatch<Id>): Id[] => d.inputs.filter((id) => !d.writes?.includes(id));

export type Placement =
  | { kind: 'external' }
  | { kind: 'constant' }
  | { kind: 'slot'; slot: number }
  | { kind: 'grad'; param: number }
  | { kind: 'part'; slot: number; offset: number };

/** A value placed inside another (`whole`, which the plan places) from byte `offset` on. */
export interface Part<Id> {
  whole: Id;
  offset: number;
}

export interface StepPlan<Id> {
  placement: Map<Id, Placement>;
  /** Bytes of each slot buffer. */
  slotBytes: number[];
  /** Gradients computed in a slot, to be copied into their flat slices after the last dispatch. */
  gradCopies: { value: Id; param: number }[];
  /** Bytes the values would take without sharing (for the report). */
  unsharedBytes: number;
}

/**
 * Plans a captured step: `bytes` of every value, `externals` bound by the caller, `constants`
 * captured, `grads[p]` the value holding parameter p's gradient, `keep` values read after the
 * step (the loss and statistics: alive to the end), `parts` values that live inside another: a
 * write or read of a part is one of its whole (sized in `bytes`), which lives from the first
 * write of any part to the last read.
 */
export function planStep<Id>(
  dispatches: readonly PlanDispatch<Id>[],
  bytes: ReadonlyMap<Id, number>,
  externals: ReadonlySet<Id>,
  constants: ReadonlySet<Id>,
  grads: readonly Id[],
  keep: readonly Id[],
  parts: ReadonlyMap<Id, Part<Id>> = new Map(),
): StepPlan<Id> {
  const placement = new Map<Id, Placement>();
  const whole = (id: Id) => parts.get(id)?.whole ?? id;
  /** Every value a dispatch writes and reads, parts as their wholes. */
  const writes = (d: PlanDispatch<Id>) => [...new Set(written(d).map(whole))];
  const reads = (d: PlanDispatch<Id>) => [...new Set(read(d).map(whole))];
  for (const id of externals) placement.set(id, { kind: 'external' });
  for (const id of constants) placement.set(id, { kind: 'constant' });
  const writer = new Map<Id, number>();
  const lastRead = new Map<Id, number>();
  dispatches.forEach((d, i) => {
    // A second write (an accumulation into a zero-filled output) keeps the value alive like a read.
    for (const id of writes(d)) {
      if (writer.has(id)) lastRead.set(id, i);
      else writer.set(id, i);
    }
    for (const id of reads(d)) lastRead.set(id, i);
  });
  const end = dispatches.length;
  for (const id of keep) lastRead.set(id, end);

  // Gradients in place where that is legal; the rest are copied.
  const gradCopies: { value: Id; param: number }[] = [];
  const gradOf = new Map<Id, number>();
  grads.forEach((id, p) => {
    if (!writer.has(id) || gradOf.has(id) || externals.has(id)) gradCopies.push({ value: id, param: p });
    else gradOf.set(id, p);
  });
  // A dispatch writing the flat gradient must not read it; a gradient that is read later would be.
  for (const d of dispatches)
    if (written(d).some((id) => gradOf.has(id)))
      for (const id of read(d))
        if (gradOf.has(id)) {
          gradCopies.push({ value: id, param: gradOf.get(id) as number });
          gradOf.delete(id);
        }
  for (const { value } of gradCopies) if (writer.has(value)) lastRead.set(value, end);
  for (const [id, param] of gradOf) placement.set(id, { kind: 'grad', param });

  // Greedy slots in dispatch order: a value's slot is free again after its last read.
  const slotBytes: number[] = [];
  const free: number[] = [];
  const releaseAt = new Map<number, number[]>();
  let unsharedBytes = 0;
  dispatches.forEach((d, i) => {
    for (const id of writes(d)) {
      if (placement.has(id)) continue;
      const need = bytes.get(id);
      if (need === undefined) throw new Error('a captured value has no size');
      unsharedBytes += need;
      // Best fit among free slots; else grow the largest free one; else a new slot.
      let pick = -1;
      for (const s of free)
        if (slotBytes[s] >= need && (pick < 0 || slotBytes[s] < slotBytes[pick])) pick = s;
      if (pick < 0 && free.length > 0) pick = free.reduce((a, b) => (slotBytes[a] >= slotBytes[b] ? a : b));
      if (pick < 0) {
        pick = slotBytes.length;
        slotBytes.push(0);
      } else free.splice(free.indexOf(pick), 1);
      slotBytes[pick] = Math.max(slotBytes[pick], need);
      placement.set(id, { kind: 'slot', slot: pick });
      // A value never read still lives through its own dispatch.
      const last = Math.max(lastRead.get(id) ?? i, i);
      releaseAt.set(last, [...(releaseAt.get(last) ?? []), pick]);
    }
    // Slots whose values died at this dispatch are free for the next one (not this one: its
    // outputs must not alias its inputs or each other).
    for (const s of releaseAt.get(i) ?? []) free.push(s);
  });
  for (const [id, part] of parts) {
    const p = placement.get(part.whole);
    if (p?.kind !== 'slot') throw new Error('a part of a value outside the slots');
    placement.set(id, { kind: 'part', slot: p.slot, offset: part.offset });
  }
  for (const d of dispatches)
    for (const id of read(d))
      if (!placement.has(id))
        throw new Error('a captured dispatch reads a value nothing wrote and nobody binds');
  return { placement, slotBytes, gradCopies, unsharedBytes };
}
