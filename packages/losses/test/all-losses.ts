import {
  CircleLoss,
  LiftedStructLoss,
  type MetricLoss,
  MultiSimilarityLoss,
  PNLoss,
  SoftNearestNeighborLoss,
  TripletLoss,
} from '../src/index.js';

/** Every loss, with its defaults and with the other settings that change its code path. */
export const ALL_LOSSES: Array<[string, () => MetricLoss]> = [
  ['MultiSimilarityLoss', () => new MultiSimilarityLoss()],
  ['TripletLoss', () => new TripletLoss()],
  [
    'TripletLoss (easy, easy, margin 1)',
    () => new TripletLoss({ positiveMining: 'easy', negativeMining: 'easy', margin: 1 }),
  ],
  ['TripletLoss (hard, hard, euclidean)', () => new TripletLoss({ negativeMining: 'hard', distance: 'euclidean' })],
  ['PNLoss', () => new PNLoss()],
  ['PNLoss (hard, hard, margin 1)', () => new PNLoss({ negativeMining: 'hard', margin: 1 })],
  ['CircleLoss', () => new CircleLoss()],
  ['SoftNearestNeighborLoss', () => new SoftNearestNeighborLoss()],
  ['SoftNearestNeighborLoss (cosine)', () => new SoftNearestNeighborLoss({ distance: 'cosine' })],
  ['LiftedStructLoss', () => new LiftedStructLoss()],
  [
    'LiftedStructLoss (easy, margin 0.5, euclidean)',
    () => new LiftedStructLoss({ positiveMining: 'easy', margin: 0.5, distance: 'euclidean' }),
  ],
];
