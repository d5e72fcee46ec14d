/** Name of the data layout, in the meta hash's `format` field. */
export const FORMAT = 'simkit-redis-store';
/** Version of the data layout this package writes and reads. */
export const REDIS_STORE_FORMAT_VERSION = 1;
