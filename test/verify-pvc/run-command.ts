// Runs the verify-pvc command class from src/ (not the built dist/ that bin/ loads), so the CLI
// tests always exercise the code under test: `node test/verify-pvc/run-command.ts <args>`.
import { fileURLToPath } from 'node:url';
import VerifyPvc from '../../src/commands/verify-pvc.ts';

await VerifyPvc.run(process.argv.slice(2), fileURLToPath(new URL('../..', import.meta.url)));
