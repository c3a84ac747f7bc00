// The same real-data checks as cifar.test.ts, over the 32 MB CIFAR-10 subset (10,000 train and
// 1,000 test images) that CI keeps in ../shared/data. Not part of `npm test`, which a fresh clone
// runs: `npm run test:shared` runs it, and fails (not skips) where the folder is missing.
import { join } from 'node:path';
import { cifarStats, describeCifarArchive } from './cifarArchive.testSuite';

describeCifarArchive(
  join(process.cwd(), '../shared/data/cifar10/cifar-10-binary-subset.tar.gz'),
  cifarStats('cifar_subset'),
);
