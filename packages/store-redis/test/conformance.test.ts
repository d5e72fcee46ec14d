import { describeStore } from '@simkit/core/testing';
import { RedisStore } from '../src/index.js';
import { uniquePrefix, useRedis } from './helpers.js';

const server = useRedis();

describeStore('RedisStore', {
  factory: () => RedisStore.open({ url: server.current.url, prefix: uniquePrefix('conformance') }),
  reopen: (closed) => RedisStore.open({ url: server.current.url, prefix: (closed as RedisStore).prefix }),
});
