// Each package's `prepack`: refuses npm, then builds the package.
// npm packs a workspace package with its `workspace:*` ranges left as they are, and such a
// tarball cannot be installed by anyone; pnpm rewrites them to the versions of the workspace
// (pnpm docs, "Workspace protocol": replaced on publish and pack). So packing and publishing go
// through pnpm (`pnpm pack`, `pnpm release`), and npm is refused here.
import { execFileSync } from 'node:child_process';

const agent = process.env.npm_config_user_agent ?? '';
if (!agent.startsWith('pnpm/')) {
  console.error(
    `fanin: pack and publish with pnpm ("npx -y pnpm@10 pack" or "npx -y pnpm@10 release"), not ${agent.split(' ')[0] || 'this tool'}: ` +
      'only pnpm rewrites the workspace:* ranges of package.json, and a package packed with them cannot be installed.',
  );
  process.exit(1);
}
// scripts/release-check.sh packs right after the workspace build: it says so, and the build is
// not run twice. Otherwise what is packed is built now, never a stale dist/.
if (process.env.FANIN_PACK_PREBUILT !== '1') execFileSync('tsup', [], { stdio: 'inherit' });
