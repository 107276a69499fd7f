// Explicit command map: oclif loads this one module instead of scanning a directory, which
// keeps start-up fast and works inside a single-file bundle.
import Completion from './completion.ts';
import Status from './status.ts';
import Version from './version.ts';

export const COMMANDS = {
  status: Status,
  version: Version,
  completion: Completion,
};
