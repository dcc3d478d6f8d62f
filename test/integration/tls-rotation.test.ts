/**
 * Certificate rotation without a stop (README "Security"): a server re-reads its certificate and CA
 * bundle when the files change, so that after `certs init --rotate`, `certs issue --all` and
 * `certs retire` a client that trusts only the new CA reaches the server that has kept running.
 * On 127.0.0.1 only.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, describe, expect, it } from 'vitest';
import { initCa, issueCluster, retireOldCas } from '../../src/cli/certs.js';
import { loadClusterConfig } from '../../src/shared/config.js';
import { DaemonServer, Transport } from '../../src/shared/grpc.js';
import { tempDir, waitFor } from '../helpers/processes.js';

const tmp = tempDir('rm-rot-');
const open: Array<{ close(): void }> = [];

const Health = grpc.makeGenericClientConstructor(
  {
    Check: {
      path: '/grpc.health.v1.Health/Check',
      requestStream: false,
      responseStream: false,
      requestSerialize: () => Buffer.alloc(0),
      requestDeserialize: (b: Buffer) => b,
      responseSerialize: (b: Buffer) => b,
      responseDeserialize: (b: Buffer) => b,
    },
  },
  'Health',
);

function check(address: string, t: Transport): Promise<number> {
  const c = new Health(address, t.channelCredentials());
  open.push(c);
  return new Promise((resolve) =>
    (
      c as unknown as {
        Check: (r: unknown, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null) => void) => void;
      }
    ).Check({}, { deadline: Date.now() + 3000 }, (err) => resolve(err ? err.code : 0)),
  );
}

afterAll(() => {
  for (const c of open) c.close();
  tmp.remove();
});

describe('certificate rotation', () => {
  it('a running server takes its renewed certificate; a client of the new CA alone reaches it', async () => {
    const file = join(tmp.dir, 'cluster.yaml');
    writeFileSync(
      file,
      [
        'name: rot',
        'tls: { reloadMs: 100 }',
        'hosts: [{ name: H1, address: 127.0.0.1 }]',
        'checkpointServer: { address: "127.0.0.1:1" }',
        'ring: [H1]',
        `allowedExecutableDirs: [${JSON.stringify(tmp.dir)}]`,
        '',
      ].join('\n'),
    );
    const cfg = loadClusterConfig(file);
    await issueCluster(cfg);
    const serverTransport = Transport.forIdentity(cfg, 'checkpoint-server', '');
    open.push(serverTransport);
    const server = new DaemonServer('127.0.0.1', serverTransport);
    await server.listen(0);
    server.serving();
    open.push({ close: () => server.server.forceShutdown() });
    const before = Transport.forIdentity(cfg, 'operator', '');
    open.push(before);
    expect(await check(server.address, before)).toBe(0);

    await initCa(cfg.tls.dir, cfg.name, { rotate: true });
    await issueCluster(cfg);
    retireOldCas(cfg.tls.dir);
    const after = Transport.forIdentity(cfg, 'operator', '');
    open.push(after);
    await waitFor(
      'the server to present its renewed certificate',
      async () => (await check(server.address, after)) === 0,
      {
        timeoutMs: 10_000,
        intervalMs: 200,
      },
    );
  });
});
