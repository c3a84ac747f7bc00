import { cifarTarget } from '../fuzz/dataTargets';
import { fixTarChecksums, tarFields } from '../fuzz/formats';
import { expectRefusedBeforeAllocating, fuzzIt } from '../fuzz/fuzzTest';
import { writeField } from '../fuzz/mutators';
import { CIFAR_RECORD_BYTES } from './cifar';
import { DatasetError } from './errors';
import { loadDataset } from './load';
import { bytesSource } from './source';
import { tarArchive } from './testHelpers';

/** A one-record CIFAR tar whose header then declares `records` records for the batch. */
function lyingTar(records: number): Uint8Array {
  const tar = tarArchive([
    { name: 'cifar-10-batches-bin/data_batch_1.bin', data: new Uint8Array(CIFAR_RECORD_BYTES) },
  ]);
  writeField(tar, tarFields(tar)[0], records * CIFAR_RECORD_BYTES);
  return fixTarChecksums(tar);
}

describe('CIFAR-10 batches and archives through loadDataset, fuzzed', () => {
  fuzzIt(cifarTarget);

  it('found by fuzzing: a tar batch declaring 6 GiB of records is refused before its buffer is allocated', async () => {
    await expectRefusedBeforeAllocating(
      () => loadDataset([bytesSource('cifar.tar', lyingTar(2 ** 21))]),
      DatasetError,
      /data_batch_1.bin: 6.0 GiB is larger than the 1.0 GiB limit/,
    );
  });
  it('found by fuzzing: one record past the 1 GiB limit is refused too', async () => {
    await expectRefusedBeforeAllocating(
      () => loadDataset([bytesSource('cifar.tar', lyingTar(Math.floor(2 ** 30 / CIFAR_RECORD_BYTES) + 1))]),
      DatasetError,
      /larger than the 1.0 GiB limit/,
    );
  });
});
