// Control characters from the cluster are shown, never obeyed: the notation, what is kept, and
// that the text renderers apply it to everything they draw while JSON keeps the data exact.
import { describe, expect, it } from 'vitest';
import { formatError, StsError, ExitCode } from '../../src/cli/errors.ts';
import { renderJson } from '../../src/render/json.ts';
import { forTerminal, terminalSafe, terminalSafeDeep } from '../../src/render/terminal.ts';

const ESC = '\u001b';

describe('terminalSafe', () => {
  it.each([
    ['window title (OSC)', `${ESC}]0;PWNED\u0007`, '^[]0;PWNED^G'],
    ['erase line, carriage return', `${ESC}[2K\rfake`, '^[[2K\\rfake'],
    ['clear screen', `${ESC}[2J${ESC}[H`, '^[[2J^[[H'],
    ['conceal', `${ESC}[8mhidden`, '^[[8mhidden'],
    ['newline and tab inside a value', 'a\nb\tc', 'a^Jb^Ic'],
    ['NUL, backspace, DEL', '\u0000\b\u007f', '^@^H^?'],
    ['8-bit CSI (C1)', '\u009b31m', '<U+009B>31m'],
    ['bidi override and isolate', '\u202eevil\u2066', '<U+202E>evil<U+2066>'],
    ['line separator', 'a\u2028b', 'a<U+2028>b'],
  ])('%s', (_name, input, output) => {
    expect(terminalSafe(input)).toBe(output);
  });

  it('keeps text without controls as the same string, Unicode included', () => {
    const text = 'pod web-0 is Ready — ünïcödé 日本 ✓';
    expect(terminalSafe(text)).toBe(text);
  });

  it('keepLayout keeps newlines and tabs (a --debug stack), nothing else', () => {
    expect(terminalSafe(`a\n\tb${ESC}[2J\r`, { keepLayout: true })).toBe('a\n\tb^[[2J\\r');
  });

  it('is idempotent: escaped text has nothing left to escape', () => {
    const once = terminalSafe(`${ESC}]0;x\u0007\u009b`);
    expect(terminalSafe(once)).toBe(once);
  });
});

describe('terminalSafeDeep and forTerminal', () => {
  it('escapes every string at any depth, map keys too, and shares what did not change', () => {
    const clean = { name: 'web-0', list: ['a'] };
    const input = { clean, hostile: [`x${ESC}[2J`], labels: { [`k${ESC}`]: 'v' }, when: new Date(0), n: 3 };
    const output = terminalSafeDeep(input);
    expect(output).toEqual({ clean, hostile: ['x^[[2J'], labels: { 'k^[': 'v' }, when: new Date(0), n: 3 });
    expect(output.clean).toBe(clean);
    expect(output.when).toBe(input.when);
    expect(input.hostile[0]).toBe(`x${ESC}[2J`); // the caller's data is not changed
  });

  it('a wrapped renderer sees only terminal-safe arguments; its own colour codes stay', () => {
    const render = forTerminal((report: { message: string }, options: { color: boolean }) =>
      options.color ? `${ESC}[31m${report.message}${ESC}[0m` : report.message,
    );
    expect(render({ message: `a${ESC}[8mb` }, { color: true })).toBe(`${ESC}[31ma^[[8mb${ESC}[0m`);
  });

  it('JSON output keeps the data exact', () => {
    expect(JSON.parse(renderJson({ message: `a${ESC}[8mb` }))).toEqual({ message: `a${ESC}[8mb` });
  });

  it('an error line is one terminal-safe line whatever the message holds', () => {
    const error = new StsError(`statefulsets "a${ESC}[2J\nb" not found`, {
      exitCode: ExitCode.NOT_FOUND,
      hint: `check ${ESC}]0;x\u0007`,
    });
    expect(formatError(error)).toBe('error: statefulsets "a^[[2J^Jb" not found; check ^[]0;x^G');
  });
});
