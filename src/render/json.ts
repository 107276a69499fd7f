// `-o json`: the report object exactly as built, two-space indented, and nothing else on stdout.
export function renderJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
