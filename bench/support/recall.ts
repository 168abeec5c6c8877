/** Share of the reference's top 10 (full ranking) that a search returned; 1 when the reference is empty and so is the result. */
export function recallAt10(reference: readonly string[], returned: readonly string[]): number {
  const wanted = reference.slice(0, 10);
  if (wanted.length === 0) return returned.length === 0 ? 1 : 0;
  const got = new Set(returned.slice(0, 10));
  return wanted.filter((id) => got.has(id)).length / wanted.length;
}
