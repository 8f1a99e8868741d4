// The registry's content addresses: lib/util/hash (one sha256 and canonical JSON for the library).
export { canonicalJson, sha256 } from '../util/hash';
