// Explicit command map: oclif loads this one module instead of scanning a directory, which
// keeps start-up fast and works inside a single-file bundle.
import Completion from './completion.ts';
import Dns from './dns.ts';
import Help from './help.ts';
import Status from './status.ts';
import VerifyPvc from './verify-pvc.ts';
import Version from './version.ts';

export const COMMANDS = {
  status: Status,
  dns: Dns,
  version: Version,
  completion: Completion,
  'verify-pvc': VerifyPvc,
  help: Help,
};
