/** English articles for messages that name a role or kind: "an approver key", "a viewer key". */

/**
 * `word` with "a" or "an" before it, by its first letter (a, e, i, o, u take "an").
 * Enough for the identifiers messages name (roles, step kinds); not a general rule of English.
 */
export function withArticle(word: string): string {
  return `${/^[aeiou]/i.test(word) ? 'an' : 'a'} ${word}`;
}
