/**
 * The split-K sums of a captured step merged into few dispatches. A filter- or weight-gradient
 * GEMM split over k writes partial products [splits, values] and a sum dispatch adds them up (one
 * per layer, `reduceKernel` in model/webgpu/gemm.ts). Where a sum's results are parameter
 * gradients (or a window of a per-sample bias gradient it writes in place, which only the time
 * projections' backward reads, at the end), nothing needs them soon: consecutive such sums leave
 * the list for one dispatch placed after the last of them, and their partial products lie side by
 * side in one value (plan.ts' parts: one binding), alive from the first one's GEMM to that
 * dispatch. A group closes when its partial products would pass a byte budget, so merging adds at
 * most that much memory at any time. Each value is summed over its splits in the same order as
 * the sum it replaces (z = 0, 1, …), so the gradients are bit for bit the same; no atomics.
 */
import type { SplitKSum } from '../../model/webgpu/gemm';
import type { Part, PlanDispatch } from './plan';

/** A dispatch of the list as the merge sees it: what it reads and writes, and whether it is a sum. */
export interface SumCandidate<Id> extends PlanDispatch<Id> {
  splitKSum?: SplitKSum;
}

/** One run of a merged sum's values: `length` values landing in `into` from `offset` on. */
export interface MergedPiece<Id> {
  /** The partial products it sums: the sum's one read input. */
  partial: Id;
  /** Where its values start in each split's row of `partial`, and that row's length. */
  start: number;
  stride: number;
  splits: number;
  length: number;
  /** The value it writes, and where in it (a window written in place: a value other sums write too). */
  into: Id;
  offset: number;
  inPlace: boolean;
}

/** One merged dispatch. */
export interface MergedSums<Id> {
  /** Indices (in the list) of the sums it replaces. */
  merged: number[];
  /** It goes before the list's dispatch of this index (right after its last sum's place). */
  position: number;
  pieces: MergedPiece<Id>[];
  /** Its partial products, each a part of `whole` (bytes: its size). */
  whole: Id;
  bytes: number;
  parts: Map<Id, Part<Id>>;
  /** The dispatch as plan.ts sees it. */
  dispatch: PlanDispatch<Id>;
}

const writtenBy = <Id>(d: PlanDispatch<Id>): Id[] => [d.output, ...(d.writes ?? [])];
const readBy = <Id>(d: PlanDispatch<Id>): Id[] => d.inputs.filter((id) => !d.writes?.includes(id));
/** Parts start at 256-byte boundaries, so each could be bound alone. */
const align = (n: number) => Math.ceil(n / 256) * 256;

/**
 * Groups the sums to merge: each sum whose every result is a parameter gradient (in `grads`) or a
 * window written in place, and whose partial products nothing else reads, joins the current group
 * unless a result of the group is read before it or the group's partial products would pass
 * `budget` bytes (`bytes` of each value); a group of one stays a sum. `newId` makes each group's
 * whole.
 */
export function mergeSplitKSums<Id>(
  list: readonly SumCandidate<Id>[],
  grads: ReadonlySet<Id>,
  bytes: (id: Id) => number,
  budget: number,
  newId: () => Id,
): MergedSums<Id>[] {
  const readers = new Map<Id, number[]>();
  list.forEach((d, i) => {
    for (const id of readBy(d)) readers.set(id, [...(readers.get(id) ?? []), i]);
  });
  const groups: MergedSums<Id>[] = [];
  let open: { members: number[]; pieces: MergedPiece<Id>[]; bytes: number; firstRead: number } | null = null;
  const close = () => {
    if (open && open.members.length > 1) groups.push(finish(open.members, open.pieces, newId()));
    open = null;
  };
  list.forEach((d, i) => {
    const sum = d.splitKSum;
    if (!sum) return;
    const [partial, ...rest] = readBy(d);
    if (partial === undefined || rest.length > 0 || (readers.get(partial) ?? []).length !== 1) return;
    const outputs = writtenBy(d);
    if (outputs.length !== sum.pieces.length) return;
    if (!sum.pieces.every((p, k) => p.inPlace || grads.has(outputs[k]))) return;
    const size = align(bytes(partial));
    if (open && (i > open.firstRead || open.bytes + size > budget)) close();
    const group: { members: number[]; pieces: MergedPiece<Id>[]; bytes: number; firstRead: number } =
      open ?? { members: [], pieces: [], bytes: 0, firstRead: list.length };
    open = group;
    group.members.push(i);
    group.bytes += size;
    // The first later dispatch that reads a result: the merged dispatch must come before it.
    for (const id of outputs)
      group.firstRead = Math.min(group.firstRead, (readers.get(id) ?? []).find((j) => j > i) ?? list.length);
    sum.pieces.forEach((p, k) =>
      group.pieces.push({
        partial,
        start: p.start,
        stride: sum.size,
        splits: sum.splits,
        length: p.length,
        into: outputs[k],
        offset: p.offset,
        inPlace: p.inPlace,
      }),
    );
  });
  close();
  return groups;

  function finish(members: number[], pieces: MergedPiece<Id>[], whole: Id): MergedSums<Id> {
    const parts = new Map<Id, Part<Id>>();
    let offset = 0;
    for (const { partial } of pieces)
      if (!parts.has(partial)) {
        parts.set(partial, { whole, offset });
        offset += align(bytes(partial));
      }
    const outputs = [...new Set(pieces.map((p) => p.into))];
    return {
      merged: members,
      position: members[members.length - 1] + 1,
      pieces,
      whole,
      bytes: offset,
      parts,
      dispatch: { output: outputs[0], inputs: [...parts.keys()], writes: outputs.slice(1) },
    };
  }
}
