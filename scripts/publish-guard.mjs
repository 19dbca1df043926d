// Run by `pnpm release` before `changeset publish`: a package goes to the registry only with
// the fields that lead a user back to its source — `repository` (with `directory`), `homepage`,
// `bugs` and `author` (#18). They are not filled in yet because the public repository's address
// is not known here; this guard keeps a release from going out without them.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const REQUIRED = ['repository', 'homepage', 'bugs', 'author'];

/** What a package.json lacks before it may be published, as messages naming the field. */
function missingFields(pkg) {
  const missing = REQUIRED.filter((k) => pkg[k] === undefined || pkg[k] === '');
  const repo = pkg.repository;
  if (repo && typeof repo === 'object' && !repo.directory) missing.push('repository.directory');
  return missing;
}

const root = new URL('..', import.meta.url).pathname;
const problems = [];
for (const dir of readdirSync(join(root, 'packages'))) {
  const pkg = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8'));
  if (pkg.private) continue;
  const missing = missingFields(pkg);
  if (missing.length > 0) problems.push(`${pkg.name}: no ${missing.join(', ')}`);
}
if (problems.length > 0) {
  console.error(`fanin: not published, package.json fields missing:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('fanin: every package names its repository, homepage, bugs and author');
