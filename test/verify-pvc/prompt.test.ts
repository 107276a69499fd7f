import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { spinnerFits } from '../../src/cli/terminal.ts';
import { askConfirmation } from '../../src/commands/verify-pvc.ts';

function streams(): { input: PassThrough; output: PassThrough; shown: () => string } {
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { input, output, shown: () => text };
}

describe('the confirmation prompt', () => {
  it.each([
    ['y', true],
    ['yes', true],
    ['YES', true],
    [' y ', true],
    ['n', false],
    ['', false],
    ['yep', false],
    ['sure', false],
  ])('answer %j means %s', async (answer, expected) => {
    const io = streams();
    const asked = askConfirmation('Evict pod web-1 as planned? [y/N] ', new AbortController().signal, io);
    io.input.write(`${answer}\r`);
    await expect(asked).resolves.toBe(expected);
    expect(io.shown()).toContain('Evict pod web-1 as planned? [y/N] ');
  });

  it('Ctrl-C at the prompt is a no that also interrupts the run', async () => {
    const io = streams();
    let interrupted = false;
    const asked = askConfirmation(
      'Proceed? [y/N] ',
      new AbortController().signal,
      io,
      () => (interrupted = true),
    );
    io.input.write('\x03');
    await expect(asked).resolves.toBe(false);
    expect(interrupted).toBe(true);
  });

  it('an interruption from elsewhere (a signal) closes the prompt with no', async () => {
    const io = streams();
    const controller = new AbortController();
    const asked = askConfirmation('Proceed? [y/N] ', controller.signal, io);
    controller.abort();
    await expect(asked).resolves.toBe(false);
  });

  it('end of input is a no', async () => {
    const io = streams();
    const asked = askConfirmation('Proceed? [y/N] ', new AbortController().signal, io);
    io.input.end();
    await expect(asked).resolves.toBe(false);
  });
});

describe('where the progress spinner is drawn', () => {
  it.each([
    { stream: 'a terminal 80 columns wide', tty: { isTTY: true, columns: 80 }, spinner: true },
    { stream: 'a pseudo-terminal reporting 0 columns', tty: { isTTY: true, columns: 0 }, spinner: false },
    { stream: 'a terminal without a known width', tty: { isTTY: true }, spinner: false },
    { stream: 'a pipe', tty: { isTTY: false, columns: 80 }, spinner: false },
    { stream: 'a file', tty: {}, spinner: false },
  ])('$stream: spinner $spinner', ({ tty, spinner }) => {
    expect(spinnerFits(tty)).toBe(spinner);
  });
});
