import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

// log4js resolves a string `type` with require() from its own directory. Under pnpm's strict
// node_modules log4js lives in node_modules/.pnpm/log4js@x/…, so this proves the lookup reaches
// the app's own node_modules, as a user's app installed with pnpm would have it.
const root = path.resolve(__dirname, '..');
const log4jsVersion = JSON.parse(
  fs.readFileSync(path.join(root, 'node_modules/log4js/package.json'), 'utf8'),
).version as string;

function makeApp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fanin-pnpm-app-'));
  const pkg = {
    name: 'strict-app',
    private: true,
    dependencies: {
      log4js: log4jsVersion,
      '@fanin/append-file': `link:${path.join(root, 'packages/append-file')}`,
    },
  };
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg));
  execFileSync('npx', ['-y', 'pnpm@10', 'install', '--prefer-offline', '--ignore-workspace'], {
    cwd: dir,
    stdio: 'pipe',
  });
  return dir;
}

/**
 * Runs in `app` a script that configures log4js with the one appender `appender` (JS source),
 * logs `message` at info and shuts log4js down: it must exit cleanly and print nothing.
 */
function logInApp(app: string, appender: string, message: string): void {
  const script = `
    const log4js = require('log4js');
    log4js.configure({
      appenders: { a: ${appender} },
      categories: { default: { appenders: ['a'], level: 'info' } },
    });
    log4js.getLogger().info(${JSON.stringify(message)});
    log4js.shutdown(() => {});
  `;
  const run = spawnSync(process.execPath, ['-e', script], { cwd: app, encoding: 'utf8' });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
}

describe('log4js type from an app installed with pnpm (strict node_modules)', () => {
  const app = makeApp();
  for (const mode of ['package-name string', 'module object']) {
    it(`loads the appender by ${mode}`, () => {
      const log = path.join(app, `${mode.replace(/ /g, '-')}.log`);
      const type =
        mode === 'module object' ? "require('@fanin/append-file')" : "'@fanin/append-file'";
      logInApp(app, `{ type: ${type}, filename: ${JSON.stringify(log)} }`, 'hello');
      expect(
        fs.readdirSync(path.join(app, 'node_modules/.pnpm')).some((d) => d.startsWith('log4js@')),
      ).toBe(true);
      expect(fs.readFileSync(log, 'utf8')).toMatch(/\[INFO\] default - hello\n$/);
    });
  }

  it('reads the config as log4js dateFile with like: "dateFile" (the date in the name, as dateFile)', () => {
    const dir = fs.mkdtempSync(path.join(app, 'date-'));
    const appender = `{ type: '@fanin/append-file', like: 'dateFile', alwaysIncludePattern: true,
      filename: ${JSON.stringify(path.join(dir, 'app.log'))}, layout: { type: 'messagePassThrough' } }`;
    logInApp(app, appender, 'dated');
    const files = fs.readdirSync(dir);
    expect(files).toEqual([expect.stringMatching(/^app\.log\.\d{4}-\d{2}-\d{2}$/)]);
    expect(fs.readFileSync(path.join(dir, files[0] as string), 'utf8')).toBe('dated\n');
  });
});
