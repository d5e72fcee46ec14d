// The root README's indexer example, in a browser: exact search and the in-memory store.
import { SimkitError } from '@simkit/core';
import { Indexer } from '@simkit/indexer';
import { report } from './report.js';

report(async () => {
  const index = new Indexer({ embeddingSize: 3, distance: 'cosine' });
  await index.batchAdd(
    [
      [1, 0, 0],
      [0.9, 0.1, 0],
      [0, 1, 0],
      [0, 0.9, 0.2],
    ],
    [0, 0, 1, 1],
    ['cat-1.jpg', 'cat-2.jpg', 'dog-1.jpg', 'dog-2.jpg'],
  );
  const [nearest] = await index.singleLookup([1, 0.05, 0], 1);
  await index.calibrate(
    [
      [0.95, 0, 0.1],
      [0.1, 0.95, 0],
    ],
    [0, 1],
  );
  const matches = await index.match([
    [0.97, 0.02, 0],
    [0, 0, 1],
  ]);
  // Files do not exist here: saving to a path must fail with a typed error, not a crash.
  let saveError: string | undefined;
  try {
    await index.save('./my-index');
  } catch (error) {
    saveError = SimkitError.isInstance(error) ? error.code : `untyped: ${String(error)}`;
  }
  await index.close();
  return {
    nearest: { label: nearest?.label, distance: nearest?.distance, data: nearest?.data },
    matches: Array.from(matches),
    saveError,
  };
});
