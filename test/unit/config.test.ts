import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterIdentities, identityRequest, issueCluster, show } from '../../src/cli/certs.js';
import { checkpointServerAddressOf, DEFAULT_TIMINGS, parseClusterConfig } from '../../src/shared/config.js';
import { ConfigError } from '../../src/shared/errors.js';
import { tempDir } from '../helpers/processes.js';

const GOOD = `
hosts:
  - { name: H1, address: 127.0.0.11 }
  - { name: H2, address: 127.0.0.12 }
  - { name: H5, address: 127.0.0.15 }
checkpointServer: { address: 127.0.0.10:7400, dataDir: cs }
ring: [H2, H5]
allowedExecutableDirs: [/opt/apps]
timings: { hostTimeoutMs: 5000 }
`;

function refusal(text: string): string {
  try {
    parseClusterConfig(text, '/etc/rm/cluster.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('the file was accepted');
}

describe('the cluster file', () => {
  it('fills defaults and resolves folders against the file', () => {
    const cfg = parseClusterConfig(GOOD, '/etc/rm/cluster.yaml');
    expect(cfg.hosts.map((h) => h.name)).toEqual(['H1', 'H2', 'H5']);
    expect(cfg.ring).toEqual(['H2', 'H5']);
    expect(cfg.checkpointServer).toEqual({
      backend: 'sqlite',
      address: '127.0.0.10:7400',
      addresses: ['127.0.0.10:7400'],
      dataDir: '/etc/rm/cs',
      etcd: null,
    });
    expect(cfg.stateDir).toBe('/etc/rm/state');
    expect(cfg.ports).toEqual({
      replicaManager: 7401,
      watchdog: 7402,
      superWatchdog: 7403,
      metrics: { replicaManager: 7411, watchdog: 7412, superWatchdog: 7413, checkpointServer: 7414 },
    });
    expect(cfg.timings).toEqual({ ...DEFAULT_TIMINGS, hostTimeoutMs: 5000 });
  });

  it('takes metrics ports per daemon, 0 for none', () => {
    const cfg = parseClusterConfig(`${GOOD}ports: { metrics: { watchdog: 9100, checkpointServer: 0 } }\n`);
    expect(cfg.ports.metrics).toEqual({
      replicaManager: 7411,
      watchdog: 9100,
      superWatchdog: 7413,
      checkpointServer: 0,
    });
  });

  it.each([
    ['hosts: [', 'not valid YAML'],
    [GOOD.replace('ring: [H2, H5]', 'ring: [H2, H9]'), 'ring[1]: unknown host "H9" (hosts: H1, H2, H5)'],
    [GOOD.replace('H5, address', 'H1, address'), 'hosts[2].name: host "H1" is listed twice'],
    [GOOD.replace('127.0.0.10:7400', '127.0.0.10'), 'checkpointServer.address: expected host:port'],
    [
      GOOD.replace('hostTimeoutMs: 5000', 'hostTimeoutMs: -1'),
      'timings.hostTimeoutMs: expected a whole number ≥ 1, got -1',
    ],
    [GOOD.replace('hostTimeoutMs: 5000', 'hostTimoutMs: 3000'), 'timings.hostTimoutMs: unknown key'],
    [GOOD.replace('hostTimeoutMs: 5000', 'hostTimeoutMs: 100'), 'timings.hostTimeoutMs: must be longer than'],
    [
      `${GOOD}colour: blue\n`,
      'colour: unknown key (accepted: name, insecure, tls, security, hosts, checkpointServer',
    ],
    [
      GOOD.replace('allowedExecutableDirs: [/opt/apps]', 'allowedExecutableDirs: []'),
      'allowedExecutableDirs: at least one',
    ],
    [`${GOOD}ports: { watchdog: 70000 }\n`, 'ports.watchdog: expected a port from 1 to 65535, got 70000'],
    [
      `${GOOD}ports: { metrics: { watchdog: 7402 } }\n`,
      "ports.metrics.watchdog: 7402 is already the port of ports.watchdog; a host's daemons share its address",
    ],
    [
      `${GOOD}ports: { metrics: { superWatchdog: 7411 } }\n`,
      'ports.metrics.superWatchdog: 7411 is already the port of ports.metrics.replicaManager',
    ],
    [
      `${GOOD}ports: { metrics: { checkpointServer: 7400 } }\n`,
      'ports.metrics.checkpointServer: 7400 is already the port of checkpointServer.address',
    ],
    [
      `${GOOD}ports: { metrics: { watchdog: -3 } }\n`,
      'ports.metrics.watchdog: expected a port from 1 to 65535, or 0 for none, got -3',
    ],
    [
      `${GOOD}ports: { metrics: { web: 80 } }\n`,
      'ports.metrics.web: unknown key (accepted: replicaManager, watchdog, superWatchdog, checkpointServer)',
    ],
    // Fence first (DESIGN §5): a cut-off copy must be gone before its host can be declared dead.
    [
      GOOD.replace('hostTimeoutMs: 5000', 'hostTimeoutMs: 2000, appLeaseMs: 4000'),
      'timings.appLeaseMs: timings.appLeaseMs (4000) + timings.fenceMarginMs (500) must be below timings.hostTimeoutMs (2000)',
    ],
    [
      GOOD.replace('hostTimeoutMs: 5000', 'hostTimeoutMs: 5000, appLeaseMs: 4600'),
      'timings.appLeaseMs (4600) + timings.fenceMarginMs (500) must be below timings.hostTimeoutMs (5000)',
    ],
    [
      GOOD.replace('hostTimeoutMs: 5000', 'hostTimeoutMs: 5000, fenceMarginMs: 200'),
      'timings.fenceMarginMs: 200 ms is below the floor for timings.hostTimeoutMs 5000: at least 350 ms',
    ],
    [
      GOOD.replace('hostTimeoutMs: 5000', 'hostTimeoutMs: 5000, appLeaseMs: 400'),
      'timings.appLeaseMs: 400 ms must be longer than two WatchDog beats',
    ],
  ])('refuses a bad file with the path of the bad field (%#)', (text, message) => {
    const got = refusal(text);
    expect(got).toContain(message);
    expect(got.startsWith('/etc/rm/cluster.yaml: ')).toBe(true);
  });
});

describe('the cluster file: checkpointServer on etcd', () => {
  const ETCD = GOOD.replace(
    'checkpointServer: { address: 127.0.0.10:7400, dataDir: cs }',
    [
      'checkpointServer:',
      '  backend: etcd',
      '  addresses: [127.0.0.12:7400, 127.0.0.15:7400]',
      '  etcd:',
      '    endpoints: [10.0.0.21:2379, 10.0.0.22:2379, 10.0.0.23:2379]',
      '    tls: { ca: pki/etcd-ca.pem, cert: pki/rm.pem, key: pki/rm-key.pem }',
    ].join('\n'),
  );

  it('reads the endpoints, TLS files (against the file), the prefix and the request timeout', () => {
    const cfg = parseClusterConfig(ETCD, '/etc/rm/cluster.yaml');
    expect(cfg.checkpointServer).toMatchObject({
      backend: 'etcd',
      address: '127.0.0.12:7400',
      addresses: ['127.0.0.12:7400', '127.0.0.15:7400'],
      etcd: {
        endpoints: ['10.0.0.21:2379', '10.0.0.22:2379', '10.0.0.23:2379'],
        prefix: 'replica-manager/',
        tls: { ca: '/etc/rm/pki/etcd-ca.pem', cert: '/etc/rm/pki/rm.pem', key: '/etc/rm/pki/rm-key.pem' },
        requestTimeoutMs: 1500,
      },
    });
    // Each host with an address listed runs a Checkpoint Server there.
    expect(checkpointServerAddressOf(cfg, 'H5')).toBe('127.0.0.15:7400');
    expect(() => checkpointServerAddressOf(cfg, 'H1')).toThrow(/no Checkpoint Server address on host "H1"/);
  });

  it.each([
    [
      ETCD.replace('backend: etcd', 'backend: zookeeper'),
      'checkpointServer.backend: expected sqlite or etcd, got "zookeeper"',
    ],
    [
      GOOD.replace(
        '{ address: 127.0.0.10:7400, dataDir: cs }',
        '{ addresses: [127.0.0.10:7400, 127.0.0.11:7400] }',
      ),
      'checkpointServer.addresses: the sqlite backend is one Checkpoint Server',
    ],
    [ETCD.replace(/ {2}etcd:\n.*\n.*\n/, ''), 'checkpointServer.etcd: required with backend: etcd'],
    [
      ETCD.replace('endpoints: [10.0.0.21:2379, 10.0.0.22:2379, 10.0.0.23:2379]', 'endpoints: []'),
      'checkpointServer.etcd.endpoints: at least one',
    ],
    [
      ETCD.replace('10.0.0.23:2379', '10.0.0.21:2379'),
      'checkpointServer.etcd.endpoints[2]: "10.0.0.21:2379" is listed twice',
    ],
    [
      ETCD.replace('10.0.0.22:2379', 'http://10.0.0.22:2379'),
      'checkpointServer.etcd.endpoints[1]: expected host:port',
    ],
    [
      ETCD.replace(', key: pki/rm-key.pem', ''),
      'checkpointServer.etcd.tls.key: a client certificate needs both cert and key',
    ],
    [ETCD.replace('tls: {', 'tls: { crl: x,'), 'checkpointServer.etcd.tls.crl: unknown key'],
    [
      ETCD.replace('    tls:', '    requestTimeoutMs: 2000\n    tls:'),
      'checkpointServer.etcd.requestTimeoutMs: 2000 ms must be below timings.rpcDeadlineMs (2000)',
    ],
    [
      GOOD.replace('dataDir: cs }', 'dataDir: cs, etcd: { endpoints: [a:1] } }'),
      'checkpointServer.etcd: only with backend: etcd',
    ],
  ])('refuses a bad etcd setting (%#)', (text, message) => {
    expect(refusal(text)).toContain(message);
  });
});

describe('certificates of a cluster whose Checkpoint Servers run on etcd', () => {
  it('one checkpoint-server certificate names the address of every Checkpoint Server', async () => {
    const tmp = tempDir('rm-certs-etcd-');
    try {
      const cfg = parseClusterConfig(
        GOOD.replace(
          'checkpointServer: { address: 127.0.0.10:7400, dataDir: cs }',
          [
            `tls: { dir: ${JSON.stringify(tmp.dir)} }`,
            'checkpointServer:',
            '  backend: etcd',
            '  addresses: [127.0.0.12:7400, 127.0.0.15:7400]',
            '  etcd: { endpoints: [10.0.0.21:2379] }',
          ].join('\n'),
        ),
        join(tmp.dir, 'cluster.yaml'),
      );
      expect(clusterIdentities(cfg).find((r) => r.role === 'checkpoint-server')?.addresses).toEqual([
        '127.0.0.12',
        '127.0.0.15',
      ]);
      expect(identityRequest(cfg, 'checkpoint-server').addresses).toEqual(['127.0.0.12', '127.0.0.15']);
      await issueCluster(cfg);
      const [cert] = show(join(tmp.dir, 'checkpoint-server.crt'));
      expect(cert?.addresses).toEqual(['IP Address:127.0.0.12', 'IP Address:127.0.0.15']);
    } finally {
      tmp.remove();
    }
  });
});
