/**
 * An embedding's signature for recall's preselection: one bit per random hyperplane through the origin, set
 * where the vector lies on the hyperplane's positive side. Two vectors' signatures differ in a share of bits
 * that grows with the angle between them (random projection), whatever the embedding model's dimensions or
 * biases, so the Hamming distance of signatures ranks a bank's memories roughly by meaning at the cost of an
 * index scan. Recall then ranks the nearest few hundred exactly.
 *
 * The hyperplanes are fixed forever: each coordinate is +1 or -1 from an integer generator seeded by the
 * dimension count, so a signature stored today matches one computed by any later version.
 */
export const SIGNATURE_BITS = 256;

const hyperplanesByDimensions = new Map<number, Int8Array[]>();

function hyperplanes(dimensions: number): Int8Array[] {
  let planes = hyperplanesByDimensions.get(dimensions);
  if (!planes) {
    let state = dimensions | 0;
    // mulberry32: small, fast, and the same sequence on every platform (integer arithmetic only).
    const next = () => {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return (t ^ (t >>> 14)) >>> 0;
    };
    planes = Array.from({ length: SIGNATURE_BITS }, () =>
      Int8Array.from({ length: dimensions }, () => (next() & 1 ? 1 : -1)),
    );
    hyperplanesByDimensions.set(dimensions, planes);
  }
  return planes;
}

/** The signature as PostgreSQL's bit-string text (`0101…`), for the `embedding_bits` column. */
export function embeddingBits(vector: readonly number[]): string {
  return hyperplanes(vector.length)
    .map((plane) => {
      let side = 0;
      for (let i = 0; i < vector.length; i++) side += plane[i]! * vector[i]!;
      return side > 0 ? '1' : '0';
    })
    .join('');
}
