/** The files LevelDB itself creates in its directory. */
export const LEVELDB_FILE = /^(CURRENT|LOCK|LOG|LOG\.old|MANIFEST-\d+|\d+\.(log|ldb|sst|dbtmp))$/;

/** LevelDB files that hold no data: the lock and the info log. A snapshot leaves them out. */
export const LEVELDB_SCRATCH_FILES: readonly string[] = ['LOCK', 'LOG', 'LOG.old'];

/** Files that hold records: the write-ahead logs and the tables. */
export const LEVELDB_DATA_FILE = /^\d+\.(log|ldb|sst)$/;

/**
 * The file a LevelStore writes into its location before LevelDB creates anything there:
 * a LevelDB without it was not made by a LevelStore and is never opened in place.
 */
export const STORE_MARKER = 'SIMKIT-LEVEL-STORE';

export const STORE_MARKER_TEXT =
  'This directory holds a @simkit/store-level record store (a LevelDB). Open it with LevelStore.open(); do not edit the files.\n';
