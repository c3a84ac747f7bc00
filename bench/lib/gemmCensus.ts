/**
 * `npm run bench -- --gemm-census`: every GEMM-like dispatch of one training step per preset, as
 * the lab's kernels cut it and as tfjs' own programs did before (src/model/webgpu/census.ts),
 * with the targets of issue 15 checked (≥ 264 workgroups and ≥ 80 % tile use for every GEMM over
 * 1 GFLOP), then the kernel micro-bench (bench/gemm/micro.ts) on WebGPU at `--micro-batch`, each
 * kernel with the `--gpu-features` the device was granted off and on.
 */
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { presetConfig } from '../../src/model/presets';
import { censusSummary, labCensus, tfjsCensus, type CensusRow } from '../../src/model/webgpu/census';
import { TARGET_WORKGROUPS } from '../../src/model/webgpu/gemm';
import { vulkanEnvironment } from './environment';
import type { BenchOptions } from './options';
import { PRESET_BATCH } from './plan';

/** Runs the census and the micro-bench; writes `o.json` when given. */
export async function runGemmCensus(o: BenchOptions): Promise<void> {
  const rows: (CensusRow & { preset: string; path: 'lab' | 'tfjs' })[] = [];
  const summaries: Record<string, unknown>[] = [];
  for (const preset of o.presets) {
    const config = presetConfig(preset);
    const side = config.sample_size as number;
    const batch = o.batch ?? PRESET_BATCH[preset];
    for (const [path, census] of [
      ['tfjs', tfjsCensus],
      ['lab', labCensus],
    ] as const) {
      const list = census(config, batch, side, side);
      rows.push(...list.map((r) => ({ preset, path, ...r })));
      const s = censusSummary(list, TARGET_WORKGROUPS);
      summaries.push({ preset, batch, path, dispatches: list.length, ...s });
      console.log(
        `${preset} @${batch} ${path === 'lab' ? 'lab GEMM kernels' : 'before (tfjs)'}: ${list.length} GEMM dispatches, ` +
          `${s.gflop.toFixed(1)} GFLOP, tile use ${(100 * s.meanTileUse).toFixed(1)} % (GFLOP-weighted); ` +
          `of ${s.large} over 1 GFLOP, ${s.fewWorkgroups} under ${TARGET_WORKGROUPS} workgroups, ${s.lowTileUse} under 80 % tile use`,
      );
      if (path === 'lab')
        for (const r of list.filter(
          (x) => x.gflop > 1 && (x.workgroups < TARGET_WORKGROUPS || x.tileUse < 0.8),
        ))
          console.log(
            `    misses: ${r.kernel} ${r.layer} ${r.m}×${r.n}×${r.k} ${r.tile}, ${r.workgroups} workgroups, tile use ${(100 * r.tileUse).toFixed(0)} %`,
          );
    }
  }
  const micro: unknown[] = [];
  // Written now and after each preset's micro-bench, so a cut run keeps what it measured.
  const write = async () => {
    if (o.json) await writeFile(o.json, `${JSON.stringify({ summaries, rows, micro }, null, 1)}\n`);
  };
  await write();
  const microBatch = o.microBatch;
  const env = vulkanEnvironment(process.env, false).env;
  for (const preset of o.presets) {
    console.log(`micro-bench ${preset} @${microBatch} on WebGPU …`);
    const run = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'bench/gemm/micro.ts',
        '--preset',
        preset,
        '--batch',
        String(microBatch),
        '--reps',
        String(o.steps),
        ...(o.gpuFeatures ? ['--gpu-features', o.gpuFeatures] : []),
      ],
      { env, encoding: 'utf8', timeout: o.budgetSeconds * 1000 },
    );
    for (const line of run.stdout.split('\n').filter((l) => l.startsWith('{'))) {
      const m = JSON.parse(line) as Record<string, number | string | boolean>;
      micro.push(m);
      if (m.subgroups !== undefined) {
        const what = m.gbPerS !== undefined ? `over ${m.n} floats` : `(${m.layer}, ${String(m.shape)})`;
        const rate = m.gbPerS !== undefined ? `, ${Number(m.gbPerS).toPrecision(3)} GB/s` : '';
        console.log(
          `    ${m.kernel} ${what}${m.subgroups ? ' with subgroups' : ''}: ${Number(m.ms).toPrecision(3)} ms${rate}`,
        );
        continue;
      }
      console.log(
        `    ${m.kernel} (${m.layer}, ${m.m}×${m.n}×${m.k}×${m.gemmBatch}, ${m.tile}, ${m.staging} tiles): lab ${Number(m.labGflops).toPrecision(3)} GFLOP/s, ` +
          `plain reference GEMM ${Number(m.referenceGflops).toPrecision(3)}, tfjs MatMul ${Number(m.tfjsMatMulGflops).toPrecision(3)}`,
      );
    }
    // The micro-bench's stderr says which asked-for feature the adapter lacks.
    for (const line of run.stderr.split('\n').filter((l) => l.includes('was switched on')))
      console.log(`    ${line}`);
    if (run.status !== 0)
      console.log(`    micro-bench failed: ${run.error?.message ?? run.stderr.slice(-500)}`);
    await write();
  }
  if (o.json) console.log(`bench: wrote ${o.json}`);
}
