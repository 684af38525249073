/**
 * "Did you mean" by edit distance (fastest-levenshtein), as in Elm's error reports.
 * In: a misspelt word and the names in scope. Out: the closest names, best first.
 */
import { distance } from "fastest-levenshtein";

export function closestNames(word: string, candidates: Iterable<string>, max = 3): string[] {
  const limit = Math.max(1, Math.floor(word.length / 3) + 1);
  const scored: { name: string; d: number }[] = [];
  const lower = word.toLowerCase();
  for (const name of candidates) {
    if (name === word) continue;
    const d = distance(lower, name.toLowerCase());
    const prefix = lower.length >= 3 && name.toLowerCase().startsWith(lower);
    if (d <= limit || prefix) scored.push({ name, d });
  }
  scored.sort((a, b) => a.d - b.d || a.name.localeCompare(b.name));
  const best = scored[0]?.d ?? 0;
  return scored
    .filter((s) => s.d === best)
    .slice(0, max)
    .map((s) => s.name);
}

export function didYouMean(suggestions: readonly string[]): string | undefined {
  if (suggestions.length === 0) return undefined;
  const names = suggestions.map((s) => `\`${s}\``);
  return names.length === 1
    ? `did you mean ${names[0]}?`
    : `did you mean one of ${names.slice(0, -1).join(", ")} or ${names.at(-1)}?`;
}
