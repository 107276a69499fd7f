// Its own module so that the snapshot entry (bundled into the CLI) can name the library and its
// chunk without bundling bundle.ts and esbuild with it.

/** The one package the main bundle leaves external (see bundle.ts). */
export const CLIENT_NODE = '@kubernetes/client-node';

/** File name of the client library chunk, and its SEA asset key. */
export const CLIENT_NODE_CHUNK = 'kubectl-sts-client-node.cjs';
