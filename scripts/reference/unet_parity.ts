/**
 * Prints the tfjs U-Net's relative errors against the PyTorch fixtures on a chosen backend:
 *   npx tsx scripts/reference/unet_parity.ts [cpu|webgpu]
 * (WebGPU needs a Vulkan driver; see src/cli/backend.ts.)
 */
import { parseBackend, useBackend } from '../../src/cli/backend';
import { loadUNetFixture } from './unet_fixture_files';
import { UNET_FIXTURES, measureParity } from './unet_fixtures';

const backend = await useBackend(parseBackend(process.argv[2]));
for (const name of UNET_FIXTURES) {
  const r = await measureParity(loadUNetFixture(name));
  const worstGrad = Math.max(r.gradSample, ...r.grads.values());
  const bn =
    r.forwardEval === undefined
      ? ''
      : `, eval ${r.forwardEval.toExponential(2)}, running stats ${r.runningStats!.toExponential(2)}`;
  console.log(
    `${backend} ${name}: forward ${r.forward.toExponential(2)}${bn}, worst of ${r.grads.size + 1} gradients ${worstGrad.toExponential(2)}`,
  );
}
