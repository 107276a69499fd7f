// Names come from the command line only, as with kubectl. oclif would read a missing argument
// from stdin when it is not a terminal: a name piped in or left on stdin would become the
// StatefulSet to show or, worse, to verify, and a `while read` loop calling the plugin would
// lose its input. Each case runs the built plugin with data waiting on its stdin.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN_DIR, PLUGIN_BIN, startScenarioCluster } from '../helpers/cli.ts';
import type { ScenarioCluster } from '../helpers/cli.ts';

let cluster: ScenarioCluster;

beforeAll(async () => {
  cluster = await startScenarioCluster('todo-db', { readySets: ['todo-db'] });
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
});

/** Runs `file args` with `input` on its stdin (a pipe, not a terminal). */
function runWithStdin(
  file: string,
  args: string[],
  input: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NO_COLOR: '1',
      KUBECONFIG: cluster.sim.kubeconfigPath,
      PATH: `${BIN_DIR}:${process.env.PATH ?? ''}`,
    };
    delete env.NODE_ENV;
    const child = spawn(file, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('names are never read from stdin', () => {
  it.each([
    { command: 'status', says: /^NAME\s+/m, not: /^Name:\s+todo-db$/m },
    {
      command: 'dns',
      says: /^NAMESPACE\s+|^STATEFULSET\s+|^NAME\s+/m,
      not: /^StatefulSet:\s+default\/todo-db$/m,
    },
  ])('$command without NAME lists every set, whatever stdin holds', async ({ command, says, not }) => {
    const result = await runWithStdin(PLUGIN_BIN, [command], 'todo-db\n');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(says);
    expect(result.stdout).not.toMatch(not);
  });

  it('verify-pvc without NAME is a usage error, never a run on a name from stdin', async () => {
    const evictionsBefore = cluster.sim.requestLog.count({ subresource: 'eviction' });
    const result = await runWithStdin(PLUGIN_BIN, ['verify-pvc', '--yes'], 'todo-db\n');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: missing the NAME argument \(the StatefulSet to verify\); /m);
    expect(cluster.sim.requestLog.count({ subresource: 'eviction' })).toBe(evictionsBefore);
  });

  it('completion without a shell is a usage error, whatever stdin holds', async () => {
    const result = await runWithStdin(PLUGIN_BIN, ['completion'], 'bash\n');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
  });

  it('leaves stdin to the script that runs it (a while-read loop keeps its lines)', async () => {
    const script =
      'while read -r line; do echo "got $line"; kubectl-sts status -A >/dev/null || exit 1; done';
    const result = await runWithStdin('/bin/sh', ['-c', script], 'one\ntwo\nthree\n');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('got one\ngot two\ngot three\n');
  });
});
