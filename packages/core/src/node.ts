/**
 * `@simkit/core/node`: the Node.js file modules, loaded on first use, for backends that save
 * and load files. Kept out of the main entry so that its types need no `@types/node`; in a
 * browser build every function here fails with UNSUPPORTED.
 */
export { nodeCrypto, nodeFiles, type NodeFiles } from './node-files.js';
