import { describe, invalidArgument } from '@simkit/core';
import { MatchMajorityVote } from './match-majority-vote.js';
import { MatchNearest } from './match-nearest.js';
import { type Matcher, isMatcher } from './matcher.js';

const MATCHERS: Readonly<Record<string, () => Matcher>> = Object.freeze({
  match_nearest: () => new MatchNearest(),
  nearest: () => new MatchNearest(),
  match_majority_vote: () => new MatchMajorityVote(),
  majority_vote: () => new MatchMajorityVote(),
});

/** Every name `makeMatcher` accepts, lower case. */
export const MATCHER_NAMES: readonly string[] = Object.freeze(Object.keys(MATCHERS));

/** A matcher from its name (case-insensitive) or a Matcher object used as is. */
export function makeMatcher(matcher: string | Matcher): Matcher {
  if (typeof matcher === 'string') {
    const key = matcher.toLowerCase();
    const make = Object.hasOwn(MATCHERS, key) ? MATCHERS[key] : undefined;
    if (make === undefined) {
      throw invalidArgument(
        `Unknown matcher '${matcher}'. Use one of: ${MATCHER_NAMES.join(', ')}, or pass an object { name, derive(lookups) }.`,
        { matcher },
      );
    }
    return make();
  }
  if (!isMatcher(matcher)) {
    throw invalidArgument(
      `Expected a matcher name (${MATCHER_NAMES.join(', ')}) or an object { name, derive(lookups) }; got ${describe(matcher)}.`,
    );
  }
  return matcher;
}
