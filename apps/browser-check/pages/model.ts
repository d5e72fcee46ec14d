// A model saved by SimilarityModel in Node.js, loaded over HTTP in a browser, indexed and queried.
import '@tensorflow/tfjs-backend-cpu';
import { SimilarityModel, selectBackend } from '@simkit/model';
import { report } from './report.js';

interface Fixture {
  readonly indexX: number[][];
  readonly indexY: number[];
  readonly queries: number[][];
}

report(async () => {
  const backend = await selectBackend({ prefer: 'cpu' });
  const fixture = (await (await fetch('/model-fixture.json')).json()) as Fixture;
  const sim = await SimilarityModel.load('unused', undefined, {
    modelSource: `${location.origin}/model/model.json`,
    loadIndex: false,
  });
  sim.compile({ distance: 'cosine' });
  await sim.index(fixture.indexX, fixture.indexY);
  const lookups = await sim.lookup(fixture.queries, 2);
  return {
    backend,
    lookups: lookups.map((row) => row.map((n) => ({ label: n.label, distance: n.distance }))),
  };
});
