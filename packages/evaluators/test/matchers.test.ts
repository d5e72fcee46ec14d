import { expectCode } from '@simkit/core/testing';
import { describe, expect, it } from 'vitest';
import { MATCHER_NAMES, MatchMajorityVote, MatchNearest, type Matcher, PAD_LABEL, makeMatcher } from '../src/index.js';
import { rows } from './helpers.js';

describe('MatchNearest', () => {
  it('takes the rank-1 label and distance', () => {
    const d = new MatchNearest().derive(
      rows(
        [
          [4, 0.1],
          [5, 0.2],
        ],
        [
          [6, 0.3],
          [4, 0.4],
        ],
      ),
    );
    expect(Array.from(d.labels)).toEqual([4, 6]);
    expect(Array.from(d.distances)).toEqual([0.1, 0.3]);
  });

  it('derives the padding for an empty row', () => {
    const d = new MatchNearest().derive(rows([[4, 0.1]], []));
    expect(d.labels[1]).toBe(PAD_LABEL);
    expect(d.distances[1]).toBe(Number.POSITIVE_INFINITY);
  });

  it('is named nearest / match_nearest', () => {
    const m = new MatchNearest();
    expect([m.name, m.canonicalName]).toEqual(['nearest', 'match_nearest']);
  });
});

describe('MatchMajorityVote', () => {
  it('takes the most frequent label and the mean of all k distances', () => {
    // labels [5, 6, 6]: 6 wins 2 to 1; distance (0.25 + 0.5 + 0.75) / 3 = 0.5, not the winners' mean 0.625
    const d = new MatchMajorityVote().derive(
      rows([
        [5, 0.25],
        [6, 0.5],
        [6, 0.75],
      ]),
    );
    expect(Array.from(d.labels)).toEqual([6]);
    expect(Array.from(d.distances)).toEqual([0.5]);
  });

  it('breaks ties for the label that occurs first in the row', () => {
    // [7, 8, 8, 7, 9]: 7 and 8 have 2 votes each; 7 comes first (a running count would pick 8)
    // [8, 7, 9, 6, 5]: one vote each; 8 comes first
    // [1, 2, 3, 2, 3]: 2 and 3 have 2 votes; 2 comes first (1 has only one)
    const d = new MatchMajorityVote().derive(
      rows(
        [
          [7, 0],
          [8, 0],
          [8, 0],
          [7, 0],
          [9, 0],
        ],
        [
          [8, 0],
          [7, 0],
          [9, 0],
          [6, 0],
          [5, 0],
        ],
        [
          [1, 0],
          [2, 0],
          [3, 0],
          [2, 0],
          [3, 0],
        ],
      ),
    );
    expect(Array.from(d.labels)).toEqual([7, 8, 2]);
  });

  it('votes with padding like any label and averages +Infinity in', () => {
    // [3, PAD, PAD]: the padding has 2 votes; the mean includes +∞
    const d = new MatchMajorityVote().derive(
      rows(
        [
          [3, 0.1],
          [4, 0.2],
          [5, 0.3],
        ],
        [[3, 0.1]],
      ),
    );
    expect(d.labels[1]).toBe(PAD_LABEL);
    expect(d.distances[1]).toBe(Number.POSITIVE_INFINITY);
    expect(d.labels[0]).toBe(3);
  });

  it('is named majority_vote / match_majority_vote', () => {
    const m = new MatchMajorityVote();
    expect([m.name, m.canonicalName]).toEqual(['majority_vote', 'match_majority_vote']);
  });
});

describe('makeMatcher', () => {
  it('accepts both names of each matcher, case-insensitive', () => {
    expect(makeMatcher('nearest')).toBeInstanceOf(MatchNearest);
    expect(makeMatcher('Match_Nearest')).toBeInstanceOf(MatchNearest);
    expect(makeMatcher('majority_vote')).toBeInstanceOf(MatchMajorityVote);
    expect(makeMatcher('MATCH_MAJORITY_VOTE')).toBeInstanceOf(MatchMajorityVote);
    expect([...MATCHER_NAMES].sort()).toEqual(['majority_vote', 'match_majority_vote', 'match_nearest', 'nearest']);
  });

  it('passes a user matcher through', () => {
    const farthest: Matcher = {
      name: 'farthest',
      derive: ({ n, k, labels, distances }) => ({
        labels: Int32Array.from({ length: n }, (_, i) => labels[i * k + k - 1] as number),
        distances: Float64Array.from({ length: n }, (_, i) => distances[i * k + k - 1] as number),
      }),
    };
    expect(makeMatcher(farthest)).toBe(farthest);
  });

  it('names the valid matchers for an unknown one', async () => {
    const e = await expectCode(() => makeMatcher('closest'), 'INVALID_ARGUMENT');
    expect(e.message).toContain('match_nearest');
    expect(e.message).toContain('match_majority_vote');
    await expectCode(() => makeMatcher({ name: 'x' } as never), 'INVALID_ARGUMENT');
    await expectCode(() => makeMatcher(3 as never), 'INVALID_ARGUMENT');
  });
});
