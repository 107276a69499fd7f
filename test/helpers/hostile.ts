// Hostile files shared by tests: built here once so every test means the same thing by them.

/**
 * A YAML "billion laughs": nine anchors, each a list of nine aliases to the one before (9^9
 * strings if expanded). Keys are `<prefix>a` … `<prefix>i`; the last anchor is `*i`.
 */
export function aliasBombYaml(prefix = ''): string {
  const lines = [`${prefix}a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]`];
  for (const letter of 'bcdefghi') {
    const previous = String.fromCharCode(letter.charCodeAt(0) - 1);
    lines.push(`${prefix}${letter}: &${letter} [${Array(9).fill(`*${previous}`).join(',')}]`);
  }
  return `${lines.join('\n')}\n`;
}

/** `[[[…]]]` nested `depth` levels. */
export function nestedBrackets(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}
