// Limits on the YAML and JSON files the plugin reads (kubeconfigs, dumps), so that a crafted
// file ends in one usage or config error, quickly and in bounded memory, instead of exhausting
// the stack or the heap of the parser.

/** kubectl's YAML reader refuses more (`exceeded max depth of 10000`); so do we. */
export const MAX_FLOW_DEPTH = 10_000;

/**
 * Whether `text` opens more than `limit` nested flow collections (`[`, `{`) at some point,
 * outside quoted strings. One linear pass before parsing: the parser itself would spend seconds
 * and hundreds of megabytes on 200,000 nested brackets before failing.
 */
export function exceedsFlowDepth(text: string, limit = MAX_FLOW_DEPTH): boolean {
  let depth = 0;
  let quote: '"' | "'" | undefined;
  for (let index = 0; index < text.length; index++) {
    const character = text[index];
    if (quote) {
      if (character === '\\' && quote === '"') index++;
      else if (character === quote) quote = undefined;
      continue;
    }
    switch (character) {
      case '"':
      case "'":
        // A quote inside a plain scalar (`don't`) would swallow the rest; only a quote that can
        // start a string counts.
        if (index === 0 || /[\s[{,:]/.test(text[index - 1]!)) quote = character;
        break;
      case '[':
      case '{':
        if (++depth > limit) return true;
        break;
      case ']':
      case '}':
        if (depth > 0) depth--;
        break;
    }
  }
  return false;
}

/** One line for an error the YAML library (or the stack while parsing) raised. */
export function yamlFailureReason(error: unknown): string {
  if (error instanceof RangeError) return 'values nested too deeply to read';
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.replace(/:$/, '');
}
