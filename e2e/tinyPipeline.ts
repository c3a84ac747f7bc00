/**
 * A diffusers pipeline zip of a U-Net with seeded PyTorch-style random weights, written with the
 * lab's own io and model modules: a model to import without training one first. It is the `tiny`
 * preset at half width (16/32 channels): SwiftShader runs about 0.3 GFLOP/s, so a quarter of the
 * FLOPs is the difference between seconds and a minute per sampling run.
 */
import { toSchedulerConfigJson } from '../src/diffusion';
import { writePipelineZip } from '../src/io/pipeline';
import { initialValue, paramSeed } from '../src/model/init';
import { paramSpecs, planUNet } from '../src/model/plan';
import { parseUNetConfig, unetConfigToJson, type UNetConfig } from '../src/model/config';
import { presetConfig } from '../src/model/presets';

/** The U-Net config of the e2e models (also given to training through the URL hash). */
export const E2E_CHANNELS = [16, 32];

function e2eConfig(): UNetConfig {
  return parseUNetConfig({ ...presetConfig('tiny'), block_out_channels: E2E_CHANNELS });
}

/** The tensor names this diffusers UNet2DModel has, sorted as safetensors stores them. */
export function tinyTensorNames(): string[] {
  return paramSpecs(planUNet(e2eConfig()))
    .map((s) => s.name)
    .sort();
}

/** The zip's bytes; `without` leaves one tensor out (a mismatched checkpoint). */
export function tinyPipelineZip(without?: string): Buffer {
  const config = e2eConfig();
  const tensors = new Map(
    paramSpecs(planUNet(config))
      .filter((s) => s.name !== without)
      .map((s) => [s.name, { shape: s.shape, data: initialValue(s, 'pytorch', paramSeed(7, s.name)) }]),
  );
  const bytes = writePipelineZip({
    unetConfig: unetConfigToJson(config),
    schedulerConfig: toSchedulerConfigJson('ddpm', { variance_type: 'fixed_large' }),
    tensors,
  });
  return Buffer.from(bytes);
}
