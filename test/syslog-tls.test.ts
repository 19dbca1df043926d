import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FaninError } from '@fanin/core';
import { createSyslogWriter } from '@fanin/syslog';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers/processes.js';
import { audit, createCollector, haveRsyslog, readCollected } from './helpers/rsyslog.js';

const haveOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** A throwaway CA, and a server and a client certificate it signed, made with the openssl CLI. */
function makePki(dir: string) {
  const f = (name: string) => path.join(dir, name);
  const run = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  run(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.pem'),
    '-days',
    '2',
    '-subj',
    '/CN=fanin test CA',
  );
  for (const [who, san] of [
    ['server', 'DNS:localhost,IP:127.0.0.1'],
    ['client', 'DNS:fanin-client'],
  ] as const) {
    run(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      f(`${who}.key`),
      '-out',
      f(`${who}.csr`),
      '-subj',
      `/CN=${who}`,
    );
    fs.writeFileSync(f(`${who}.ext`), `subjectAltName=${san}\n`);
    run(
      'x509',
      '-req',
      '-in',
      f(`${who}.csr`),
      '-CA',
      f('ca.pem'),
      '-CAkey',
      f('ca.key'),
      '-CAcreateserial',
      '-out',
      f(`${who}.pem`),
      '-days',
      '2',
      '-extfile',
      f(`${who}.ext`),
    );
  }
  return {
    ca: f('ca.pem'),
    server: { cert: f('server.pem'), key: f('server.key') },
    client: { cert: f('client.pem'), key: f('client.key') },
  };
}

/**
 * rsyslogd's imrelp with TLS, its server certificate from one CA, and a writer to it over
 * relps:// that presents a client certificate of that CA and trusts `trust`: 'same' that CA,
 * 'other' a CA of a second PKI.
 */
async function tlsPair(trust: 'same' | 'other') {
  const dir = tempDir();
  const pki = makePki(dir);
  const ca = trust === 'same' ? pki.ca : makePki(fs.mkdtempSync(path.join(dir, 'other-'))).ca;
  const collector = await createCollector(dir, {
    tls: { ca: pki.ca, ...pki.server, peer: 'fanin-client' },
  });
  await collector.start();
  const errors: FaninError[] = [];
  const writer = createSyslogWriter({
    target: `relps://localhost:${collector.port}`,
    spoolDir: path.join(dir, 'spool'),
    tls: {
      ca: fs.readFileSync(ca),
      cert: fs.readFileSync(pki.client.cert),
      key: fs.readFileSync(pki.client.key),
    },
    onError: (e) => errors.push(e),
  });
  return { collector, writer, errors };
}

describe.skipIf(!haveRsyslog || !haveOpenssl)(
  '@fanin/syslog: RELP over TLS to rsyslogd (imrelp tls="on")',
  () => {
    it('delivers every record once over relps://, with a client certificate', async () => {
      const { collector, writer, errors } = await tlsPair('same');
      for (let i = 1; i <= 2000; i++) writer.write(`tls record ${i}\n`, 'info');
      expect(await writer.close({ timeoutMs: 30_000 })).toMatchObject({
        written: 2000,
        timedOut: false,
      });
      const lines = readCollected(collector.output);
      expect(audit(lines)).toMatchObject({ duplicates: 0, gaps: 0, outOfOrder: 0 });
      expect(lines.map((l) => l.msg)).toEqual(
        Array.from({ length: 2000 }, (_, k) => `tls record ${k + 1}`),
      );
      expect(errors).toEqual([]);
    });

    it('a server certificate from another CA: a clear error, records kept in the spool', async () => {
      const { collector, writer, errors } = await tlsPair('other');
      writer.write('not for a stranger\n', 'info');
      expect(await writer.close({ timeoutMs: 500 })).toMatchObject({ written: 0, timedOut: true });
      expect(errors[0]?.message).toMatch(/certificate|SELF_SIGNED|UNABLE_TO_VERIFY/i);
      expect(readCollected(collector.output)).toHaveLength(0);
    });
  },
);
