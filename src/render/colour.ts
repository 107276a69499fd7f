// ANSI colour, applied only when the output options enable it; text must read the same without.
const CODES = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const;
export type Colour = keyof typeof CODES;

export function paint(text: string, colour: Colour, enabled: boolean): string {
  return enabled && text !== '' ? `\x1b[${CODES[colour]}m${text}\x1b[0m` : text;
}
