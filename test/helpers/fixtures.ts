import { fileURLToPath } from 'node:url';

/**
 * Third-party manifests and object dumps, copied into the repository with their licences
 * (`test/fixtures/third-party/README.md`). Every test and script that uses them takes the path
 * from here, so that a clone alone has everything its tests read.
 */
export const THIRD_PARTY_FIXTURES = fileURLToPath(new URL('../fixtures/third-party/', import.meta.url));
