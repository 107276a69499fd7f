// Runs the verify-pvc flow against a FakeCluster and collects what it emitted.
import { StsError } from '../../src/cli/errors.ts';
import { runVerifyPvc, systemClock } from '../../src/flows/verify-pvc.ts';
import type { VerifyEvent, VerifyPvcOptions, VerifyReport } from '../../src/flows/verify-pvc.ts';
import type { FakeCluster } from './fake-cluster.ts';

export interface Outcome {
  report?: VerifyReport;
  error?: StsError;
  events: VerifyEvent[];
}

export interface RunExtras {
  confirm?: boolean;
  /** Called with every event; may abort the controller it is given. */
  onEvent?: (event: VerifyEvent, abort: () => void) => void;
}

let markerCounter = 0;

export async function runAgainst(
  cluster: FakeCluster,
  options: Partial<VerifyPvcOptions> = {},
  extras: RunExtras = {},
): Promise<Outcome> {
  const events: VerifyEvent[] = [];
  const controller = new AbortController();
  try {
    const report = await runVerifyPvc(
      {
        namespace: cluster.namespace,
        statefulSet: cluster.setName,
        timeoutMs: 5_000,
        cleanupTimeoutMs: 2_000,
        ...options,
      },
      {
        gateway: cluster,
        clock: systemClock,
        newMarkerId: () => `test${++markerCounter}`,
        confirm: async () => extras.confirm ?? true,
        signal: controller.signal,
        onEvent: (event) => {
          events.push(event);
          extras.onEvent?.(event, () => controller.abort());
        },
      },
    );
    return { report, events };
  } catch (error) {
    if (error instanceof StsError) return { error, events };
    throw error;
  }
}
