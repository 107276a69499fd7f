import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { Args, Flags } from '@oclif/core';
import type { Ora, default as OraFactory } from 'ora';
import { StsCommand } from '../cli/base.ts';
import { spinnerFits } from '../cli/terminal.ts';
import { ExitCode, StsError, usageError } from '../cli/errors.ts';
import {
  connectionFlags,
  debugFlag,
  outputFlags,
  parseDuration,
  toConnectionOptions,
  fromCommandLineOnly,
  OUTPUT_FORMATS,
} from '../cli/flags.ts';
import { toOutputOptions } from '../cli/output.ts';
import { exitCodeFor, runVerifyPvc, systemClock } from '../flows/verify-pvc.ts';
import type { VerifyEvent, VerifyPlan, VerifyReport } from '../flows/verify-pvc.ts';
import { exitCodeForCleanup, runCleanup } from '../flows/verify-pvc-cleanup.ts';
import type { CleanupReport } from '../flows/verify-pvc-cleanup.ts';
import { renderJson } from '../render/json.ts';
import {
  eventLine,
  formatMs,
  phaseText,
  renderCleanupReport,
  renderPlan,
  renderVerifyReport,
} from '../render/verify-pvc.ts';
import { renderYaml } from '../render/yaml.ts';
import { checkNamespaceFlag, checkObjectName } from '../kube/names.ts';

interface Progress {
  event(event: VerifyEvent): void;
  /** Measures elapsed times from `at` on (the run proper starts once the prompt is answered). */
  restart(at: number): void;
  /** Stops any spinner so the terminal can be used for something else (a prompt, the report). */
  pause(): void;
  note(line: string): void;
  stop(): void;
}

/** An ora spinner on a TTY: the current phase and the time elapsed; notable events stay on screen. */
function spinnerProgress(ora: typeof OraFactory, stream: NodeJS.WriteStream, from: number): Progress {
  let startedAt = from;
  let phase = 'starting';
  let phaseStartedAt = startedAt;
  const spinner: Ora = ora({ stream, discardStdin: false, text: phase });
  const label = (): string => {
    const now = Date.now();
    return `${phase} (${formatMs(now - phaseStartedAt)}; ${formatMs(now - startedAt)} in all)`;
  };
  const ticker = setInterval(() => {
    if (spinner.isSpinning) spinner.text = label();
  }, 200);
  return {
    event(event) {
      if (event.type === 'phase') {
        phase = phaseText(event.phase, event.pod);
        phaseStartedAt = event.at.getTime();
        if (event.phase === 'confirm') return;
        spinner.text = label();
        if (!spinner.isSpinning) spinner.start();
        return;
      }
      const line = eventLine(event);
      if (!line) return;
      const failed =
        (event.type === 'claim-verified' && event.claim.result !== 'PASS') ||
        (event.type === 'marker-cleanup' && event.marker.status === 'left');
      const symbol = event.type === 'warning' || failed ? '!' : '✓';
      spinner.stopAndPersist({ symbol, text: `${line} (${formatMs(event.at.getTime() - startedAt)})` });
      spinner.text = label();
      spinner.start();
    },
    restart(at) {
      startedAt = at;
      phaseStartedAt = at;
    },
    pause: () => spinner.stop(),
    note(line) {
      const spinning = spinner.isSpinning;
      spinner.stop();
      stream.write(`${line}\n`);
      if (spinning) spinner.start();
    },
    stop() {
      clearInterval(ticker);
      spinner.stop();
    },
  };
}

/**
 * Without a TTY: one plain, timestamped line per event, nothing that redraws. The pre-flight
 * phase gets no line: it ends in the plan (stdout) or in the one `error:` line a refusal or bad
 * input gives, which must then stand alone on stderr.
 */
function lineProgress(stream: NodeJS.WritableStream, from: number): Progress {
  let startedAt = from;
  return {
    event(event) {
      if (event.type === 'phase' && (event.phase === 'confirm' || event.phase === 'preflight')) return;
      const line = eventLine(event);
      if (line) stream.write(`[${formatMs(event.at.getTime() - startedAt).padStart(6)}] ${line}\n`);
    },
    restart(at) {
      startedAt = at;
    },
    pause() {},
    note: (line) => void stream.write(`${line}\n`),
    stop() {},
  };
}

export interface PromptStreams {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
}

/** Asks a yes/no question; only `y` or `yes` is a yes. Ctrl-C at the prompt also interrupts the run. */
export function askConfirmation(
  question: string,
  signal: AbortSignal,
  streams: PromptStreams = { input: process.stdin, output: process.stderr },
  // The handler is told which signal it was, as for a real one (`terminated (undefined)` otherwise).
  onInterrupt: () => void = () => void process.emit('SIGINT', 'SIGINT'),
): Promise<boolean> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: streams.input, output: streams.output, terminal: true });
    let answered = false;
    const finish = (answer: boolean): void => {
      if (answered) return;
      answered = true;
      signal.removeEventListener('abort', onAbort);
      rl.close();
      resolve(answer);
    };
    const onAbort = (): void => finish(false);
    rl.on('SIGINT', () => {
      finish(false);
      onInterrupt();
    });
    rl.on('close', () => finish(false));
    signal.addEventListener('abort', onAbort, { once: true });
    rl.question(question, (answer) => finish(/^y(es)?$/i.test(answer.trim())));
  });
}

export default class VerifyPvc extends StsCommand {
  static override summary = 'Prove that a StatefulSet pod keeps its data when it is re-created.';
  static override description =
    'Writes a marker file into every claim volume of one pod, evicts the pod (PodDisruptionBudgets are ' +
    'respected), waits for the StatefulSet controller to re-create it and for it to be Ready, then checks ' +
    'that each claim kept its uid, its PersistentVolume and the marker. Markers are removed afterwards, ' +
    'also on failure or Ctrl-C.\n\n' +
    'Before writing or evicting anything it refuses when the check could lose data or availability: a ' +
    'claim being deleted or not bound to the volume the pod uses, another replica not Ready (unless ' +
    '--allow-degraded), a PodDisruptionBudget that allows no disruption now, no node the re-created pod ' +
    'could be scheduled on, or a rollout in progress.\n\n' +
    'Removes only the pod it names (--ordinal, default the highest), or with --all every pod, one at a ' +
    'time, each only once all pods have been Ready again for the settle period; never deletes a claim or ' +
    'volume. --cleanup removes markers an earlier run left behind.\n\n' +
    'Exit codes: 0 PASS, 10 FAIL (data or binding did not survive), 11 refused/aborted (nothing deleted ' +
    'unless reported), 13 timeout, 130 interrupted.';
  static override examples = [
    '<%= config.bin %> verify-pvc web --dry-run',
    '<%= config.bin %> verify-pvc web --ordinal 0',
    '<%= config.bin %> verify-pvc web --yes -o json',
    '<%= config.bin %> verify-pvc web --all --yes --timeout 10m',
    '<%= config.bin %> verify-pvc web --cleanup',
  ];
  static override args = {
    name: Args.string({ description: 'The StatefulSet to verify.', required: true, ...fromCommandLineOnly }),
  };
  static override flags = {
    ...connectionFlags,
    ...outputFlags,
    ordinal: Flags.integer({
      description: 'Ordinal of the pod to verify (default: the highest, the least disruptive).',
      min: 0,
    }),
    all: Flags.boolean({
      description:
        'Verify every ordinal, highest first, one at a time, each only once every pod has been Ready for the settle period.',
      default: false,
    }),
    settle: Flags.string({
      description:
        'With --all: how long every pod must stay Ready before the next one is touched (default: the larger of minReadySeconds and 10s).',
    }),
    container: Flags.string({
      char: 'c',
      description: 'Container to exec into and read mounts from (default: the first that mounts each claim).',
    }),
    path: Flags.string({
      description:
        "Directory inside a claim mount to write that claim's marker in (default: the mount path itself); repeat it for other claims.",
      multiple: true,
    }),
    yes: Flags.boolean({
      char: 'y',
      description: 'Do not ask for confirmation (required when stdin is not a terminal).',
      default: false,
    }),
    'dry-run': Flags.boolean({
      description:
        'Run the pre-flight checks, show the plan and stop (with --cleanup: show what would be removed).',
      default: false,
    }),
    'allow-degraded': Flags.boolean({
      description:
        'Go on although fewer than replicas-1 pods stay Ready while the pod is away (with --force-delete: also past a PodDisruptionBudget that allows no disruption).',
      default: false,
    }),
    'force-delete': Flags.boolean({
      description: 'Delete the pod (uid precondition) instead of evicting it: bypasses PodDisruptionBudgets.',
      default: false,
    }),
    'keep-marker': Flags.boolean({ description: 'Leave the marker files in the volumes.', default: false }),
    cleanup: Flags.boolean({
      description:
        'Remove every marker an earlier run left in the volumes of the set (and their records); evicts nothing.',
      default: false,
    }),
    timeout: Flags.string({
      description: 'How long to wait for the pod to be re-created and Ready (e.g. 90s, 5m).',
      default: '5m',
    }),
    ...debugFlag,
  };

  async run(): Promise<VerifyReport | CleanupReport> {
    const { args, flags } = await this.parse(VerifyPvc);
    const output = toOutputOptions(flags, process.stdout, process.env, OUTPUT_FORMATS);
    const connectionOptions = toConnectionOptions(flags);
    checkObjectName(args.name);
    checkNamespaceFlag(flags.namespace);
    if (flags.cleanup) {
      const clashing = (
        [
          ['--ordinal', flags.ordinal !== undefined],
          ['--all', flags.all],
          ['--settle', flags.settle !== undefined],
          ['--container', flags.container !== undefined],
          ['--path', flags.path !== undefined],
          ['--allow-degraded', flags['allow-degraded']],
          ['--force-delete', flags['force-delete']],
          ['--keep-marker', flags['keep-marker']],
        ] as const
      ).filter(([, given]) => given);
      if (clashing.length > 0)
        throw usageError(
          `--cleanup cannot be used with ${clashing.map(([flag]) => flag).join(', ')}`,
          'run --cleanup on its own (it only removes leftover markers), or leave it out to verify',
        );
      return this.cleanup(args.name, flags['dry-run'], connectionOptions, output);
    }
    if (flags.all && flags.ordinal !== undefined)
      throw usageError(
        '--ordinal and --all cannot be used together',
        'give one pod with --ordinal, or every pod with --all',
      );
    const timeoutMs = parseDuration(flags.timeout, '--timeout');
    if (timeoutMs <= 0)
      throw usageError('--timeout must be more than 0', 'give a duration such as 90s or 5m');
    if (flags.settle !== undefined && !flags.all)
      throw usageError('--settle only applies to --all', 'add --all, or leave out --settle');
    const settleMs = flags.settle === undefined ? undefined : parseDuration(flags.settle, '--settle');
    const machine = output.format === 'json' || output.format === 'yaml';
    const interactive = Boolean(process.stdin.isTTY && process.stderr.isTTY);
    if (!flags.yes && !flags['dry-run'] && !interactive)
      throw new StsError('refusing to evict a pod without confirmation: stdin is not a terminal', {
        exitCode: ExitCode.ABORTED,
        hint: 'pass --yes to run non-interactively, or --dry-run to see the plan',
      });

    const { connect } = await import('../kube/connect.ts');
    const connection = await connect(connectionOptions);
    const startedAt = Date.now();
    // ora (and string-width's tables) load only when a spinner will actually spin.
    const shown = spinnerFits(process.stderr)
      ? spinnerProgress((await import('ora')).default, process.stderr, startedAt)
      : lineProgress(process.stderr, startedAt);
    // After a hang-up there is no terminal to show anything on (writes fail with EIO).
    let hungUp = false;
    const progress: Progress = {
      event: (event) => !hungUp && shown.event(event),
      restart: (at) => shown.restart(at),
      pause: () => !hungUp && shown.pause(),
      note: (line) => !hungUp && shown.note(line),
      stop: () => shown.stop(),
    };

    const flow = new AbortController();
    const cleanup = new AbortController();
    // Ctrl-C, SIGTERM (timeout(1), a cancelled CI job, a supervisor) and a hang-up the same way:
    // the first stops and removes the markers, the second skips the clean-up, the third quits.
    let interrupts = 0;
    // What an interruption has to undo: nothing while no marker is written.
    let markersWritten = false;
    const onInterrupt = (received: NodeJS.Signals | undefined): void => {
      const signal = received ?? 'SIGINT';
      interrupts += 1;
      const again = signal === 'SIGINT' ? 'Ctrl-C again' : `${signal} again`;
      if (interrupts === 1) {
        const what = signal === 'SIGINT' ? 'interrupted' : `terminated (${signal})`;
        progress.note(
          markersWritten
            ? `${what}: stopping and removing markers (${again} to skip cleanup)`
            : `${what}: stopping; no marker is in a volume now`,
        );
        flow.abort();
        if (!markersWritten) interrupts = 2;
      } else if (interrupts === 2) {
        progress.note(`skipping cleanup; markers left behind are listed below (${again} to quit now)`);
        cleanup.abort();
      } else {
        progress.stop();
        process.exit(ExitCode.INTERRUPTED);
      }
    };
    // A hang-up (the terminal or the SSH session closed) stops the run the same way, once; nothing
    // more is written to the output that is gone, but the markers still come out.
    const onHangup = (): void => {
      if (hungUp) return;
      hungUp = true;
      shown.stop();
      onInterrupt('SIGHUP');
    };
    // Output that has gone is a hang-up too, whichever comes first: a write to a closed terminal
    // fails with EIO, often before its SIGHUP is handled, and a pipe whose reader left with EPIPE.
    // Either used to end the process there and then, with a marker left in the volume.
    const onOutputError = (error: NodeJS.ErrnoException): void => {
      if (!['EIO', 'EPIPE', 'ERR_STREAM_DESTROYED'].includes(error.code ?? '')) throw error;
      onHangup();
    };
    for (const stream of [process.stdout, process.stderr]) {
      stream.removeAllListeners('error');
      stream.on('error', onOutputError);
    }
    process.on('SIGINT', onInterrupt);
    process.on('SIGTERM', onInterrupt);
    process.on('SIGHUP', onHangup);

    const showPlan = (plan: VerifyPlan): void => {
      const text = renderPlan(plan, { color: output.color, noHeaders: output.noHeaders, wide: false });
      progress.pause();
      // The plan is part of the table output; with -o json/yaml it is in the report instead,
      // and only shown (on stderr) when a person has to confirm it.
      if (!machine) process.stdout.write(`${text}\n`);
      else if (!flags.yes && !flags['dry-run']) process.stderr.write(`${text}\n`);
    };

    let report: VerifyReport;
    try {
      report = await runVerifyPvc(
        {
          namespace: connection.namespace,
          statefulSet: args.name,
          ordinal: flags.ordinal,
          all: flags.all,
          container: flags.container,
          paths: flags.path,
          forceDelete: flags['force-delete'],
          allowDegraded: flags['allow-degraded'],
          keepMarker: flags['keep-marker'],
          dryRun: flags['dry-run'],
          timeoutMs,
          ...(settleMs !== undefined ? { settleMs } : {}),
          ...(connection.context ? { context: connection.context } : {}),
        },
        {
          gateway: connection.gateway,
          clock: systemClock,
          newMarkerId: () => `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`,
          confirm: async (plan) => {
            if (flags.yes) return true;
            progress.pause();
            const count = plan.pods.length;
            const answer = await askConfirmation(
              `${plan.removal === 'eviction' ? 'Evict' : 'DELETE'} ${count === 1 ? `pod ${plan.pods[0]!.pod}` : `${count} pods one at a time`} as planned? [y/N] `,
              flow.signal,
            );
            // Time spent reading the plan is not part of the run.
            progress.restart(Date.now());
            return answer;
          },
          onEvent: (event) => {
            // Markers exist from the first write of a pod until its cleanup; with --all, while
            // the set settles between two pods there are none.
            if (event.type === 'phase' && event.phase === 'write-markers') markersWritten = true;
            if (event.type === 'phase' && event.phase === 'settle') markersWritten = false;
            if (event.type === 'plan') showPlan(event.plan);
            else progress.event(event);
          },
          signal: flow.signal,
          cleanupSignal: cleanup.signal,
        },
      );
    } finally {
      progress.stop();
      process.off('SIGINT', onInterrupt);
      process.off('SIGTERM', onInterrupt);
      process.off('SIGHUP', onHangup);
      connection.close();
    }

    if (output.format === 'json') process.stdout.write(renderJson(report));
    else if (output.format === 'yaml') process.stdout.write(renderYaml(report));
    else
      process.stdout.write(
        renderVerifyReport(report, {
          color: output.color,
          noHeaders: output.noHeaders,
          wide: output.format === 'wide',
        }),
      );
    const exitCode = exitCodeFor(report.result);
    if (exitCode !== ExitCode.OK)
      throw new StsError(`verify-pvc ${report.result}: ${report.reason ?? 'see the report above'}`, {
        exitCode,
        hint: report.hint ?? undefined,
      });
    return report;
  }

  /** --cleanup: remove what earlier runs left behind, say what was done, exit 11 if anything is left. */
  private async cleanup(
    name: string,
    dryRun: boolean,
    connectionOptions: ReturnType<typeof toConnectionOptions>,
    output: ReturnType<typeof toOutputOptions>,
  ): Promise<CleanupReport> {
    const { connect } = await import('../kube/connect.ts');
    const connection = await connect(connectionOptions);
    let report: CleanupReport;
    try {
      report = await runCleanup(
        { namespace: connection.namespace, statefulSet: name, dryRun },
        { gateway: connection.gateway },
      );
    } finally {
      connection.close();
    }
    if (output.format === 'json') process.stdout.write(renderJson(report));
    else if (output.format === 'yaml') process.stdout.write(renderYaml(report));
    else
      process.stdout.write(
        renderCleanupReport(report, { color: output.color, noHeaders: output.noHeaders, wide: false }),
      );
    const exitCode = exitCodeForCleanup(report.result);
    if (exitCode !== ExitCode.OK)
      throw new StsError(
        `verify-pvc --cleanup ${report.result}: ${report.reason ?? 'see the report above'}`,
        {
          exitCode,
          hint: report.hint ?? undefined,
        },
      );
    return report;
  }
}
