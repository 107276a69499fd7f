// A stand-in for the GitHub CLI, for scripts/lib/github-release.ts: the releases of one
// repository kept in $FAKE_GH_STATE/state.json and their assets beside it, serving the calls that
// code makes (`gh release create`, and `gh api` on releases and assets) the way GitHub answers
// them, drafts included. Every call is appended to $FAKE_GH_STATE/calls.log. Faults:
// FAKE_GH_CORRUPT=<asset> stores that asset damaged; FAKE_GH_FAIL=<word> fails calls naming it.
import { appendFileSync, copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

interface Asset {
  id: number;
  name: string;
  size: number;
}
interface Release {
  id: number;
  tag_name: string;
  draft: boolean;
  prerelease: boolean;
  html_url: string;
  assets: Asset[];
}
interface State {
  repository: string;
  nextId: number;
  releases: Release[];
}

const dir = process.env.FAKE_GH_STATE!;
const stateFile = path.join(dir, 'state.json');
const args = process.argv.slice(2);
appendFileSync(path.join(dir, 'calls.log'), `${args.join(' ')}\n`);
const state = JSON.parse(readFileSync(stateFile, 'utf8')) as State;
const save = () => writeFileSync(stateFile, JSON.stringify(state, null, 2));
const fail = (message: string, code = 1): never => {
  process.stderr.write(`${message}\n`);
  process.exit(code);
};
if (process.env.FAKE_GH_FAIL && args.some((arg) => arg.includes(process.env.FAKE_GH_FAIL!))) fail('HTTP 502: Bad Gateway');
if (process.env.GH_REPO !== state.repository) fail(`GH_REPO is ${process.env.GH_REPO}`);
const pageUrl = (release: Release) =>
  `https://github.com/${state.repository}/releases/${release.draft ? `tag/untagged-${release.id}` : `tag/${release.tag_name}`}`;
const view = (release: Release) => ({ ...release, html_url: pageUrl(release) });
const assetFile = (id: number) => path.join(dir, `asset-${id}`);

if (args[0] === 'release' && args[1] === 'create') {
  const [tag, ...rest] = args.slice(2);
  const flags = rest.filter((arg) => arg.startsWith('--'));
  const files = rest.filter((arg, index) => !arg.startsWith('--') && rest[index - 1] !== '--title');
  if (!flags.includes('--draft')) fail('this stand-in only creates drafts');
  const release: Release = {
    id: state.nextId++,
    tag_name: tag!,
    draft: true,
    prerelease: flags.includes('--prerelease'),
    html_url: '',
    assets: [],
  };
  state.releases.unshift(release);
  for (const file of files) {
    if (!existsSync(file)) fail(`${file}: no such file`);
    const asset = { id: state.nextId++, name: path.basename(file), size: readFileSync(file).length };
    copyFileSync(file, assetFile(asset.id));
    if (process.env.FAKE_GH_CORRUPT === asset.name) appendFileSync(assetFile(asset.id), 'damaged in transit');
    release.assets.push(asset);
  }
  save();
  process.stdout.write(`${pageUrl(release)}\n`);
} else if (args[0] === 'api') {
  let method = 'GET';
  let endpoint = '';
  const fields: Record<string, string> = {};
  for (let index = 1; index < args.length; index++) {
    const arg = args[index]!;
    if (arg === '--method' || arg === '-X') method = args[++index]!;
    else if (arg === '-F' || arg === '-f') {
      const [key, value] = args[++index]!.split('=');
      fields[key!] = value!;
    } else if (arg === '-H') index++;
    else endpoint = arg;
  }
  const prefix = `repos/${state.repository}/releases`;
  const url = new URL(endpoint, 'https://api.invalid/');
  const tail = url.pathname.slice(1);
  if (!tail.startsWith(prefix)) fail(`HTTP 404: ${endpoint}`);
  const rest = tail.slice(prefix.length);
  const asset = /^\/assets\/(\d+)$/.exec(rest);
  const one = /^\/(\d+)$/.exec(rest);
  if (rest === '' && method === 'GET') {
    const perPage = Number(url.searchParams.get('per_page') ?? 30);
    const page = Number(url.searchParams.get('page') ?? 1);
    process.stdout.write(JSON.stringify(state.releases.slice((page - 1) * perPage, page * perPage).map(view)));
  } else if (asset && method === 'GET') {
    process.stdout.write(readFileSync(assetFile(Number(asset[1]))));
  } else if (one) {
    const release = state.releases.find((candidate) => candidate.id === Number(one[1]));
    if (!release) fail(`HTTP 404: ${endpoint}`);
    if (method === 'DELETE') {
      state.releases = state.releases.filter((candidate) => candidate !== release);
    } else if (method === 'PATCH') {
      if (fields.draft === 'false') release!.draft = false;
    } else if (method !== 'GET') fail(`unexpected ${method}`);
    save();
    if (method !== 'DELETE') process.stdout.write(JSON.stringify(view(release!)));
  } else {
    fail(`unexpected call: ${args.join(' ')}`);
  }
} else {
  fail(`unexpected call: ${args.join(' ')}`);
}
