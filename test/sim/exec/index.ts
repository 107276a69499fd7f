// Owned by the exec work: a small shell over per-volume file trees, answering `sh -c` scripts,
// nslookup/getent as CoreDNS would. (Placeholder until that work lands.)
import type { ExecHandler, SimClock, Store } from '../contract.ts';

export interface ExecOptions {
  clusterDomain: string;
}

export function createExecHandler(_store: Store, _clock: SimClock, _options: ExecOptions): ExecHandler {
  return {
    start() {
      throw { code: 400, reason: 'BadRequest', message: 'exec is not simulated yet' };
    },
  };
}
