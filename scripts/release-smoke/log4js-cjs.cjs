// Installed from the packed tarballs with npm: a log4js program, as CommonJS, with each fanin
// appender module as `type`. Exits by itself after shutdown, lines on disk.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const log4js = require('log4js');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fanin-smoke-'));
const types = ['@fanin/append-file', '@fanin/locked-file', '@fanin/async-queue'];
const appenders = {};
for (const type of types) {
  appenders[type] = { type, filename: path.join(dir, `${type.split('/')[1]}.log`) };
}
log4js.configure({ appenders, categories: { default: { appenders: types, level: 'info' } } });
log4js.getLogger().info('hello from log4js');
log4js.shutdown((err) => {
  if (err) throw err;
  for (const type of types) {
    const text = fs.readFileSync(appenders[type].filename, 'utf8');
    if (!text.includes('hello from log4js')) throw new Error(`${type}: line missing: ${text}`);
  }
  if (typeof require('@fanin/syslog').configure !== 'function') throw new Error('@fanin/syslog');
  if (typeof require('@fanin/ipc').configure !== 'function') throw new Error('@fanin/ipc');
  console.log(`release smoke: log4js (CJS) wrote through ${types.length} appenders`);
});
