import NodeCache from 'node-cache';

/**
 * The in-process cache shared by core and plugins. `useClones: false` because cached values (serialised
 * flag bodies, compiled environments) are treated as immutable and cloning them would cost more than the
 * database round trip they save.
 */
export function createCache(): NodeCache {
  return new NodeCache({ useClones: false, checkperiod: 60 });
}

export type Cache = NodeCache;
