// A command as a person would type it into a POSIX shell, for advice the plugin prints
// ("remove it with: …"). Words come from the cluster (pod names, mount paths) and are quoted so
// that pasting the line runs exactly that command: nothing in a word is ever expanded.
// A neutral module (no layer below it), like duration.ts.

/** `argv` as one shell line: each word single-quoted unless it is plainly safe as it is. */
export function shellLine(argv: readonly string[]): string {
  return argv.map(shellWord).join(' ');
}

export function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
