import { createHash, timingSafeEqual } from 'node:crypto';
import { ServiceError } from './errors.js';

/** What a route needs: nothing, a read token, or a write token. */
export type Access = 'public' | 'read' | 'write';

const digest = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/**
 * Checks bearer tokens. Both sides are hashed first, so every comparison is of two 32-byte
 * digests in constant time, and every configured token is compared, whichever matches.
 */
export class TokenAuth {
  private readonly read: Buffer[];
  private readonly write: Buffer[];

  constructor(readTokens: readonly string[], writeTokens: readonly string[]) {
    this.read = readTokens.map(digest);
    this.write = writeTokens.map(digest);
  }

  /** True when any token is configured: then every route but the public ones needs one. */
  get enabled(): boolean {
    return this.read.length + this.write.length > 0;
  }

  /** Throws UNAUTHORIZED (401) or FORBIDDEN (403) unless `authorization` grants `access`. */
  check(authorization: string | undefined, access: Access): void {
    if (access === 'public' || !this.enabled) return;
    const challenge = { 'WWW-Authenticate': 'Bearer realm="simkit"' };
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? '');
    if (match === null) {
      throw new ServiceError(
        401,
        'UNAUTHORIZED',
        'This service needs a token: send Authorization: Bearer <token>.',
        challenge,
      );
    }
    const given = digest(match[1] as string);
    let canWrite = false;
    let canRead = false;
    for (const t of this.write) canWrite = timingSafeEqual(t, given) || canWrite;
    for (const t of this.read) canRead = timingSafeEqual(t, given) || canRead;
    if (!canWrite && !canRead) {
      throw new ServiceError(401, 'UNAUTHORIZED', 'The bearer token is not valid for this service.', {
        'WWW-Authenticate': 'Bearer realm="simkit", error="invalid_token"',
      });
    }
    if (access === 'write' && !canWrite) {
      throw new ServiceError(
        403,
        'FORBIDDEN',
        'This route changes the index and needs a write token; the token given may only read.',
      );
    }
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Which token a route needs (see `TokenAuth`); routes without it need a read token. */
    access?: Access;
  }
}
