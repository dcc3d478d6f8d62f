/**
 * The polling checks for programs without the SDK, against real local servers: TCP connect, HTTP GET
 * (2xx/3xx healthy), grpc.health.v1 Check (SERVING healthy) and an absolute command (exit 0 healthy),
 * each bounded in time.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonServer } from '../../src/shared/grpc.js';
import { NetworkProbes } from '../../src/watchdog/probes.js';

const probes = new NetworkProbes();
let tcp: net.Server;
let web: http.Server;
let grpcServer: DaemonServer;
let tcpPort = 0;
let webPort = 0;
let grpcPort = 0;
let freePort = 0;

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)),
  );
}

beforeAll(async () => {
  tcp = net.createServer((s) => s.end());
  tcpPort = await listen(tcp);
  web = http.createServer((req, res) => {
    res.statusCode = req.url === '/ok' ? 200 : req.url === '/moved' ? 302 : 503;
    res.end();
  });
  webPort = await listen(web);
  grpcServer = new DaemonServer('127.0.0.1');
  grpcPort = await grpcServer.listen(0);
  const spare = net.createServer();
  freePort = await listen(spare);
  await new Promise((r) => spare.close(r));
});

afterAll(async () => {
  probes.close();
  tcp?.close();
  web?.close();
  await grpcServer?.stop(100);
});

describe('polling checks', () => {
  it('tcp: a listening port is healthy, a closed one is not', async () => {
    expect((await probes.tcp('127.0.0.1', tcpPort, 1000)).healthy).toBe(true);
    const closed = await probes.tcp('127.0.0.1', freePort, 1000);
    expect(closed).toMatchObject({ healthy: false });
    expect(closed.detail).toContain('ECONNREFUSED');
  });

  it('http: 2xx and 3xx are healthy, 5xx and refused are not', async () => {
    expect((await probes.http('127.0.0.1', webPort, '/ok', 1000)).healthy).toBe(true);
    expect((await probes.http('127.0.0.1', webPort, '/moved', 1000)).healthy).toBe(true);
    const bad = await probes.http('127.0.0.1', webPort, '/broken', 1000);
    expect(bad).toMatchObject({ healthy: false });
    expect(bad.detail).toContain('503');
    expect((await probes.http('127.0.0.1', freePort, '/', 1000)).healthy).toBe(false);
  });

  it('grpc: SERVING is healthy, NOT_SERVING and no server are not', async () => {
    expect((await probes.grpc('127.0.0.1', grpcPort, 2000)).healthy).toBe(false);
    grpcServer.serving();
    expect((await probes.grpc('127.0.0.1', grpcPort, 2000)).healthy).toBe(true);
    expect((await probes.grpc('127.0.0.1', freePort, 1000)).healthy).toBe(false);
  });

  it('exec: exit 0 is healthy; another code, a missing command and a command over its time are not', async () => {
    expect((await probes.exec(['/bin/sh', '-c', 'exit 0'], 2000)).healthy).toBe(true);
    expect(await probes.exec(['/bin/sh', '-c', 'exit 3'], 2000)).toMatchObject({
      healthy: false,
      detail: expect.stringContaining('exit 3'),
    });
    expect((await probes.exec(['/nonexistent/check'], 2000)).healthy).toBe(false);
    const slow = await probes.exec(['/bin/sh', '-c', 'sleep 5'], 200);
    expect(slow).toMatchObject({ healthy: false, detail: expect.stringContaining('no answer in 200 ms') });
  });
});
