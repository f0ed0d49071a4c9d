/** The scopes in a claim: a space-separated string or an array of strings. */
export function scopesOf(claim: unknown): string[] {
  if (typeof claim === "string") return claim.split(" ").filter((scope) => scope !== "");
  if (Array.isArray(claim)) return claim.filter((scope) => typeof scope === "string");
  return [];
}
