/**
 * A count and its noun, singular for exactly one: `countNoun(1, 'attempt')` → `1 attempt`,
 * `countNoun(3, 'attempt')` → `3 attempts`, `countNoun(2, 'strategy', 'strategies')` → `2 strategies`.
 * For text people read; JSON keeps bare numbers.
 *
 * @param plural The plural form. @default `singular` + `s`
 */
export function countNoun(count: number, singular: string, plural = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : plural}`;
}
