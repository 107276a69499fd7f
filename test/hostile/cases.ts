// The hostile-input cases: what was tried, what must hold, and what kubectl (1.32, on the same
// simulator) does with the same input. docs/reliability.md lists them all and the README counts
// them; test/hostile/catalogue.test.ts keeps the three in step and checks each case has a test
// (a test names its case by id: `caseTitle('K01')`).

export type Area =
  'kubeconfig' | 'credential plugin' | 'names and flags' | 'dump' | 'cluster data' | 'network';

export interface HostileCase {
  id: string;
  area: Area;
  /** The input or behaviour tried. */
  tried: string;
  /** What kubectl-sts does; the test checks it. */
  holds: string;
  /** What kubectl does with the same thing ('-' where kubectl has no answer to compare). */
  kubectl: string;
}

export const CASES: HostileCase[] = [
  // Kubeconfigs.
  {
    id: 'K01',
    area: 'kubeconfig',
    tried: "`auth-provider: gcp` with `cmd-path`/`cmd-args: '{...}; touch PWNED'`",
    holds: 'exit 3 "the gcp auth plugin has been removed … use gke-gcloud-auth-plugin"; nothing runs',
    kubectl: 'refuses: "The gcp auth plugin has been removed"',
  },
  {
    id: 'K02',
    area: 'kubeconfig',
    tried: '`auth-provider: azure` with a shell string in `cmd-args`',
    holds: 'exit 3 "the azure auth plugin has been removed … use kubelogin"; nothing runs',
    kubectl: 'refuses: "The azure auth plugin has been removed"',
  },
  {
    id: 'K03',
    area: 'kubeconfig',
    tried:
      '`auth-provider: {name: exec, config: {…}}` (client-node would run any provider with a nested `exec`)',
    holds: 'exit 3 "no Auth Provider found for name \\"exec\\""; nothing runs',
    kubectl: 'refuses: `no Auth Provider found for name "exec"`',
  },
  {
    id: 'K04',
    area: 'kubeconfig',
    tried: '`auth-provider: oidc` whose `config` holds a nested `exec: {command: touch, args: [PWNED]}`',
    holds: 'exit 3: `auth-provider.config.exec must be a string`; nothing runs',
    kubectl: 'refuses to load the file (config is map[string]string)',
  },
  {
    id: 'K05',
    area: 'kubeconfig',
    tried: 'gcp auth-provider on a plain `http://` server',
    holds: 'no credentials are used over http, so nothing is refused or run; the command works',
    kubectl: 'the same: the auth-provider is not used over http',
  },
  {
    id: 'K06',
    area: 'kubeconfig',
    tried: 'a field of the wrong type (`token: 123`, `exec.args: "x"`)',
    holds: 'exit 3 naming the field: `users["u"].user.token must be a string, not a number`',
    kubectl: 'refuses to load: `cannot unmarshal number into … token of type string`',
  },
  {
    id: 'K07',
    area: 'kubeconfig',
    tried: 'a YAML alias bomb in the kubeconfig (where nothing reads it, and as a field that is read)',
    holds:
      'bounded time and memory: aliases are shared, never expanded; unread it costs nothing, read it is a type error (exit 3)',
    kubectl: 'refuses the file: "yaml: document contains excessive aliasing"',
  },
  {
    id: 'K08',
    area: 'kubeconfig',
    tried: 'a value nested 200,000 levels deep in the kubeconfig',
    holds: 'exit 3 "values nested more than 10000 levels deep", at once (checked before parsing)',
    kubectl: 'refuses: "exceeded max depth of 10000"',
  },
  {
    id: 'K09',
    area: 'kubeconfig',
    tried: 'a malformed %-escape in the server URL (`https://host/%zz`)',
    holds: 'exit 3 `invalid URL escape "%zz"` (before: exit 1 "URI malformed")',
    kubectl: 'refuses: `invalid URL escape "%zz"`',
  },
  {
    id: 'K10',
    area: 'kubeconfig',
    tried: '`client-key-data` that is not a key',
    holds: 'exit 3 "the client key of user … is not a PEM private key" (before: exit 1)',
    kubectl: 'refuses: "tls: failed to find any PEM data"',
  },
  {
    id: 'K11',
    area: 'kubeconfig',
    tried: '`certificate-authority-data` that is not a certificate',
    holds: 'exit 3 "the certificate authority of cluster … holds no PEM certificate"',
    kubectl: 'refuses: "unable to load root certificates"',
  },
  {
    id: 'K12',
    area: 'kubeconfig',
    tried: "the context's namespace is `..`",
    holds: 'exit 3 `invalid namespace ".."`, no request sent',
    kubectl: 'refuses: `invalid namespace ".."`',
  },
  {
    id: 'K13',
    area: 'kubeconfig',
    tried: 'a kubeconfig with 50,000 clusters, users and contexts each',
    holds:
      'loads in linear time (the duplicate check was quadratic); speed against kubectl in `npm run bench`',
    kubectl: 'loads it (see bench/RESULTS.md for the ratio)',
  },
  {
    id: 'K14',
    area: 'kubeconfig',
    tried: "context, cluster and user names with escape sequences (`--context $'\\e]0;x\\a'`)",
    holds: 'the error line shows `^[]0;x^G`: nothing reaches the terminal raw',
    kubectl: 'prints the name raw',
  },
  // Exec credential plugins.
  {
    id: 'P01',
    area: 'credential plugin',
    tried: 'plugin `args` with `; touch PWNED`, `$(touch PWNED)`, back-quotes, and such `env` values',
    holds: 'the plugin receives them as literal strings; no shell runs; the command works',
    kubectl: 'the same (no shell)',
  },
  {
    id: 'P02',
    area: 'credential plugin',
    tried: 'a plugin `command` that is a shell line (`touch PWNED; echo`)',
    holds: 'exit 3 "was not found"; nothing runs',
    kubectl: 'the same: "executable … not found"',
  },
  {
    id: 'P03',
    area: 'credential plugin',
    tried:
      'a plugin whose stderr holds `refresh_token=`, `"id_token":`, `client_secret=`, `access_token`, a bare JWT',
    holds: 'exit 3; every one is `<redacted>`, with and without `--debug`',
    kubectl: "prints the plugin's stderr as it is",
  },
  {
    id: 'P04',
    area: 'credential plugin',
    tried: 'a plugin that prints its token but not as JSON',
    holds:
      'exit 3 "printed something that is not an ExecCredential"; none of its output is shown (before: the first characters)',
    kubectl: 'decoding error that does not quote the output',
  },
  {
    id: 'P05',
    area: 'credential plugin',
    tried: 'a plugin that hangs, then SIGTERM to the command',
    holds:
      'no time limit (as kubectl); the plugin process is stopped with the command (before: left running)',
    kubectl: 'no time limit; the plugin is left running',
  },
  {
    id: 'P06',
    area: 'credential plugin',
    tried: 'a plugin that hangs, then SIGINT (Ctrl-C) to the command alone',
    holds: 'the plugin process is stopped; the command ends as interrupted',
    kubectl: 'the plugin is left running',
  },
  {
    id: 'P07',
    area: 'credential plugin',
    tried: 'an `installHint` with escape sequences, for a plugin that is missing',
    holds: 'the hint is shown with `^[`; exit 3',
    kubectl: 'prints the hint raw',
  },
  // Names and flags.
  {
    id: 'F01',
    area: 'names and flags',
    tried: '`-n ..`, `-n .`, `-n a/b`, `-n a%2fb`',
    holds: 'exit 2 `invalid namespace`, before any request (the API server sees none)',
    kubectl: 'refuses: `invalid namespace "..": [may not be \'..\']`',
  },
  {
    id: 'F02',
    area: 'names and flags',
    tried: 'NAME `..`, `.`, `a/b` for status, dns and verify-pvc',
    holds: 'exit 2 `invalid resource name`, before any request',
    kubectl: 'refuses: `invalid resource name ".."`',
  },
  {
    id: 'F03',
    area: 'names and flags',
    tried: 'NAME and `-n` with escape sequences',
    holds: 'exit 2, the name shown escaped; no request',
    kubectl: 'sends the request; the 404 message is printed with the raw escape',
  },
  {
    id: 'F04',
    area: 'names and flags',
    tried: '`-f` with a path holding escape sequences, which does not exist',
    holds: 'exit 2, the path shown escaped',
    kubectl: '-',
  },
  // Dumps.
  {
    id: 'D01',
    area: 'dump',
    tried: 'a YAML alias bomb given to `-f`',
    holds: 'exit 2 in well under a second (before: exit 1 "unexpected error")',
    kubectl: '-',
  },
  {
    id: 'D02',
    area: 'dump',
    tried: 'wrong field types in `-f` (`replicas: "three"`, `volumeClaimTemplates: {}`)',
    holds: 'exit 2 naming the object and field (before: exit 1 "… is not a function")',
    kubectl: '`kubectl apply -f` refuses such an object the same way',
  },
  {
    id: 'D03',
    area: 'dump',
    tried: 'a 200,000-deep JSON document to `-f`',
    holds: 'exit 2 "nests values more than 512 levels deep" (before: exit 1 stack overflow)',
    kubectl: '-',
  },
  {
    id: 'D04',
    area: 'dump',
    tried: 'a 200,000-deep YAML document (block and flow) to `-f`',
    holds: 'exit 2, bounded time and memory',
    kubectl: '-',
  },
  {
    id: 'D05',
    area: 'dump',
    tried:
      'every field of one object of each kind replaced by each other type or removed (about 4,700 dumps)',
    holds: 'every one gives a report or one usage error, none an internal error',
    kubectl: '-',
  },
  {
    id: 'D06',
    area: 'dump',
    tried: 'an Event in a dump whose message sets the window title, erases lines, conceals text',
    holds: 'table and diagnostics show `^[`; `-o json`/`-o yaml` keep the message exact',
    kubectl: '-',
  },
  {
    id: 'D07',
    area: 'dump',
    tried: 'binary garbage, and an object whose `kind` is a number, given to `-f`',
    holds: 'exit 2 one line',
    kubectl: '-',
  },
  // Live cluster data.
  {
    id: 'C01',
    area: 'cluster data',
    tried:
      'a Warning Event on a blocked pod whose message changes the title, erases the line, conceals, uses 8-bit CSI and a bidi override',
    holds: '`status` shows them as `^[`, `<U+009B>`, `<U+202E>`; `-o json` keeps the exact message',
    kubectl: '`kubectl get events` escapes ESC and CR only (`^[`, `\\r`)',
  },
  {
    id: 'C02',
    area: 'cluster data',
    tried: 'the same Event while `status --watch` redraws the view on a terminal (a pty from script(1))',
    holds: 'every redraw escaped; the only raw sequences are our own home/clear-screen',
    kubectl: '-',
  },
  {
    id: 'C03',
    area: 'cluster data',
    tried: 'an API error message with escape sequences (a 503 whose Status message holds them)',
    holds: 'exit 7, the one error line escaped, also with `--debug`',
    kubectl: 'prints the message raw',
  },
  // The network, through a misbehaving proxy in front of the simulator.
  {
    id: 'N01',
    area: 'network',
    tried: 'an https server that accepts TCP and never answers (no TLS handshake), `--request-timeout` 0',
    holds: 'exit 6 after the 10 s TLS handshake limit',
    kubectl: 'gives up after 5 × 10 s handshake timeouts (55 s)',
  },
  {
    id: 'N02',
    area: 'network',
    tried: 'an http server that accepts TCP and never answers, `--request-timeout` 0',
    holds: 'exit 6 after 32 s of silence (before: waited for ever)',
    kubectl: 'discovery gives up after 5 × 32 s (165 s); `kubectl get --raw` waits for ever',
  },
  {
    id: 'N03',
    area: 'network',
    tried: 'the silent https server with `--request-timeout 2s`',
    holds: 'exit 6 after 2 s',
    kubectl: 'gives up after 2 s per request',
  },
  {
    id: 'N04',
    area: 'network',
    tried: 'every connection reset (RST) as soon as it opens',
    holds: 'retried, then exit 6 "connection reset by the server (4 attempts)"',
    kubectl: '"connection reset by peer"',
  },
  {
    id: 'N05',
    area: 'network',
    tried: 'every connection closed as soon as it opens',
    holds: 'retried, then exit 6',
    kubectl: 'fails ("EOF")',
  },
  {
    id: 'N06',
    area: 'network',
    tried: 'the first connection reset, later ones fine',
    holds: 'the read is retried; the report is complete, exit 0',
    kubectl: 'retries too',
  },
  {
    id: 'N07',
    area: 'network',
    tried: 'every answer truncated after 3 KB (connection closed mid-answer)',
    holds: 'never a partial report: exit 6 one line (or 0 with a full report if the answers fit)',
    kubectl: '-',
  },
  {
    id: 'N08',
    area: 'network',
    tried: 'every connection stalls after 3 KB (stays open, nothing more)',
    holds: 'exit 6 within the 10 s handshake / 32 s silence limits (before: waited for ever)',
    kubectl: 'waits for ever over HTTP/1.1; HTTP/2 pings notice in 45 s',
  },
  {
    id: 'N09',
    area: 'network',
    tried: 'every piece of every answer delayed by 100 ms',
    holds: 'slower, but the same report, exit 0',
    kubectl: 'the same',
  },
  {
    id: 'N10',
    area: 'network',
    tried: 'a server with a full listen queue (connection attempts unanswered)',
    holds: 'exit 6 after the 30 s connect limit (unit test with a short limit)',
    kubectl: 'gives up after 30 s (client-go dialer)',
  },
];

/** `K01 auth-provider gcp …`: the test name for a case. */
export function caseTitle(id: string): string {
  const found = CASES.find((entry) => entry.id === id);
  if (!found) throw new Error(`no hostile case ${id}`);
  return `${found.id} ${found.tried.replace(/`/g, '')}`;
}
