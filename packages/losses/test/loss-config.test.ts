import { fromConfig } from '@simkit/core';
import { describe, expect, it } from 'vitest';
import {
  CIRCLE_LOSS_TYPE,
  CircleLoss,
  LIFTED_STRUCT_LOSS_TYPE,
  LiftedStructLoss,
  type MetricLoss,
  MULTI_SIMILARITY_LOSS_TYPE,
  MultiSimilarityLoss,
  PN_LOSS_TYPE,
  PNLoss,
  SOFT_NEAREST_NEIGHBOR_LOSS_TYPE,
  SoftNearestNeighborLoss,
  TRIPLET_LOSS_TYPE,
  TripletLoss,
} from '../src/index.js';
import { ALL_LOSSES } from './all-losses.js';

const REGISTRY = {
  [MULTI_SIMILARITY_LOSS_TYPE]: MultiSimilarityLoss,
  [TRIPLET_LOSS_TYPE]: TripletLoss,
  [PN_LOSS_TYPE]: PNLoss,
  [CIRCLE_LOSS_TYPE]: CircleLoss,
  [SOFT_NEAREST_NEIGHBOR_LOSS_TYPE]: SoftNearestNeighborLoss,
  [LIFTED_STRUCT_LOSS_TYPE]: LiftedStructLoss,
};

describe('loss configs', () => {
  for (const [name, make] of ALL_LOSSES) {
    it(`${name} survives JSON and an app registry`, async () => {
      const loss = make();
      const saved = JSON.parse(JSON.stringify(loss.toConfig()));
      expect(saved.package).toBe('@simkit/losses');
      const back = await fromConfig<MetricLoss>(saved, REGISTRY, 'loss');
      expect(back.constructor).toBe(loss.constructor);
      expect(back.toConfig()).toEqual(loss.toConfig());
    });
  }
});
