/**
 * Bad input against every unary RPC of every service (issue 13): the same daemons as the security
 * test (test/helpers/secure-daemons.ts), a caller of a role the method allows, and a table of bad
 * requests generated from each method's request message: the empty request, then one field at a
 * time set to a 100 kB string or "../../x\0", an integer to -1, 2^53−1 or 99999999999999999999, an
 * enum to a number it does not have, a nested message to {}, a repeated field to 10 000 elements.
 * Every call ends within its deadline, none ends in INTERNAL or UNKNOWN (a handler that threw), the
 * replica table is unchanged after each refusal, and every daemon still answers Health/Check.
 */
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProto } from 'grpc-health-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POLICY } from '../../src/shared/auth.js';
import { addressOf } from '../../src/shared/config.js';
import { LOADER_OPTIONS, protoDir } from '../../src/shared/grpc.js';
import type { Role } from '../../src/shared/tls.js';
import { waitFor } from '../helpers/processes.js';
import { type SecureDaemons, startSecureDaemons } from '../helpers/secure-daemons.js';
import { SAMPLE_APP } from '../helpers/watchdog-fakes.js';

const CALL_DEADLINE_MS = 3_000;
const BIG = 'x'.repeat(100_000);
const PATHY = '../../x\u0000';
const INTEGERS = ['-1', '9007199254740991', '99999999999999999999'];
const INTEGER_TYPES = new Set(
  [
    'INT32',
    'INT64',
    'UINT32',
    'UINT64',
    'SINT32',
    'SINT64',
    'FIXED32',
    'FIXED64',
    'SFIXED32',
    'SFIXED64',
  ].map((t) => `TYPE_${t}`),
);

interface Field {
  name: string;
  label: string;
  type: string;
  typeName: string;
}
interface Descriptor {
  name: string;
  field: Field[];
  options?: { mapEntry?: boolean } | null;
}

const defs: protoLoader.PackageDefinition = {};
for (const file of ['checkpoint.proto', 'replica_manager.proto', 'watchdog.proto', 'super_watchdog.proto'])
  Object.assign(
    defs,
    protoLoader.loadSync(join(protoDir(), file), { ...LOADER_OPTIONS, includeDirs: [protoDir()] }),
  );
Object.assign(defs, protoLoader.loadSync(healthProto, LOADER_OPTIONS));

/** The message type a field names, resolved from the package of the message that holds it. */
function messageType(pkg: string, typeName: string): Descriptor | undefined {
  const name = typeName.replace(/^\./, '');
  for (let p = pkg; ; p = p.slice(0, Math.max(0, p.lastIndexOf('.')))) {
    const def = defs[p ? `${p}.${name}` : name] as
      | protoLoader.MessageTypeDefinition<object, object>
      | undefined;
    if (def?.type) return def.type as unknown as Descriptor;
    if (!p) return undefined;
  }
}

function setPath(base: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  let at = out;
  for (const key of path.slice(0, -1)) {
    at[key] = { ...((at[key] as Record<string, unknown> | undefined) ?? {}) };
    at = at[key] as Record<string, unknown>;
  }
  at[path[path.length - 1]!] = value;
  return out;
}

/** The bad values of one field, by its type; nested messages are followed by casesOf. */
function badValues(pkg: string, f: Field): Array<[string, unknown]> {
  const repeated = f.label === 'LABEL_REPEATED';
  const nested = f.type === 'TYPE_MESSAGE' ? messageType(pkg, f.typeName) : undefined;
  if (nested?.options?.mapEntry) {
    const many = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, 'v']));
    return [
      ['{"../../x\\0": 100 kB}', { [PATHY]: BIG }],
      ['10 000 entries', many],
    ];
  }
  let one: Array<[string, unknown]> = [];
  if (f.type === 'TYPE_STRING')
    one = [
      ['100 kB', BIG],
      ['"../../x\\0"', PATHY],
    ];
  else if (f.type === 'TYPE_BYTES') one = [['100 kB', Buffer.from(BIG)]];
  else if (INTEGER_TYPES.has(f.type) || f.type === 'TYPE_DOUBLE' || f.type === 'TYPE_FLOAT')
    one = INTEGERS.map((v) => [v, v]);
  else if (f.type === 'TYPE_ENUM') one = [['99', 99]];
  else if (f.type === 'TYPE_MESSAGE') one = [['{}', {}]];
  if (!repeated) return one;
  const out: Array<[string, unknown]> = one.map(([what, v]) => [`[${what}]`, [v]]);
  const cheap =
    f.type === 'TYPE_MESSAGE' ? {} : f.type === 'TYPE_STRING' ? 'x' : f.type === 'TYPE_BYTES' ? null : 1;
  if (cheap !== null) out.push(['10 000 elements', Array.from({ length: 10_000 }, () => cheap)]);
  return out;
}

interface Case {
  what: string;
  req: Record<string, unknown>;
}

function casesOf(pkg: string, type: Descriptor, base: Record<string, unknown>): Case[] {
  const cases: Case[] = [{ what: 'the empty request', req: base }];
  const walk = (msgPkg: string, t: Descriptor, prefix: string[], depth: number) => {
    for (const f of t.field) {
      const path = [...prefix, f.name];
      for (const [what, v] of badValues(msgPkg, f))
        cases.push({ what: `${path.join('.')} = ${what}`, req: setPath(base, path, v) });
      const nested = f.type === 'TYPE_MESSAGE' ? messageType(msgPkg, f.typeName) : undefined;
      if (nested && !nested.options?.mapEntry && f.label !== 'LABEL_REPEATED' && depth < 2)
        walk(msgPkg, nested, path, depth + 1);
    }
  };
  walk(pkg, type, [], 0);
  return cases;
}

/** The caller each method is tried as: a role it allows, and the host of the daemon it reaches. */
function callerOf(method: string): { role: Role; host: string } {
  const roles = POLICY[method]!.roles;
  const role = roles.includes('viewer') ? 'viewer' : roles[0]!;
  return { role, host: role === 'watchdog' ? 'H1' : 'H3' };
}

let d: SecureDaemons;

function addressOfService(service: string): string[] {
  const { cfg } = d;
  switch (service) {
    case 'rm.watchdog.v1.WatchDog':
    case 'rm.watchdog.v1.WatchDogApp':
      return [addressOf.watchdog(cfg, 'H1')];
    case 'rm.replica_manager.v1.ReplicaManager':
      return [addressOf.replicaManager(cfg, 'H3')];
    case 'rm.super_watchdog.v1.SuperWatchDog':
      return [addressOf.superWatchdog(cfg, 'H3')];
    case 'rm.checkpoint.v1.CheckpointServer':
      return [cfg.checkpointServer.address];
    case 'grpc.health.v1.Health':
      return [
        addressOf.watchdog(cfg, 'H1'),
        addressOf.replicaManager(cfg, 'H3'),
        addressOf.superWatchdog(cfg, 'H3'),
        cfg.checkpointServer.address,
      ];
  }
  throw new Error(`no daemon of this test serves ${service}`);
}

function unaryCall(
  c: grpc.Client,
  m: protoLoader.MethodDefinition<object, object>,
  req: object,
): Promise<{ code: number; details: string }> {
  return new Promise((resolve) => {
    c.makeUnaryRequest(
      m.path,
      m.requestSerialize,
      m.responseDeserialize,
      req,
      new grpc.Metadata(),
      { deadline: Date.now() + CALL_DEADLINE_MS },
      (err) => resolve(err ? { code: err.code, details: err.details } : { code: 0, details: '' }),
    );
  });
}

/** Every method of the loaded services, by path. */
const methods = new Map<
  string,
  { service: string; pkg: string; def: protoLoader.MethodDefinition<object, object> }
>();
for (const [name, def] of Object.entries(defs)) {
  if ('format' in def) continue;
  for (const m of Object.values(def as protoLoader.ServiceDefinition))
    methods.set(m.path, { service: name, pkg: name.slice(0, name.lastIndexOf('.')), def: m });
}
const isUnary = (path: string) => {
  const m = methods.get(path);
  return m !== undefined && !m.def.requestStream && !m.def.responseStream;
};

async function table(): Promise<string> {
  const r = await d.call(d.csOf(d.as('replica-manager', 'H3').channelCredentials()), 'LoadTable', {});
  expect(r.code, r.details).toBe(0);
  return (r.res as { table_json: string }).table_json;
}

beforeAll(async () => {
  d = await startSecureDaemons('rm-bad-');
  // One module with a running copy, so that the table the refusals must leave alone is not empty.
  const r = await d.call(d.rmOf(d.as('operator').channelCredentials()), 'Register', {
    module: {
      name: 'S',
      style: 'cold',
      degree: 1,
      policy: 'on-each-failure',
      detect: 'poll',
      replicas: [{ id: '', host: 'H1', path: SAMPLE_APP, status: '', failures: 0 }],
    },
  });
  expect(r.code, r.details).toBe(0);
  await waitFor('S1 to run on H1', () => d.wd.watchdog.running().some((c) => c.spec.replica === 'S1'), {
    timeoutMs: 20_000,
  });
  // The table settles once the manager has seen S1 running and the hosts without a WatchDog down.
  let last = '';
  await waitFor(
    'the table to settle',
    async () => {
      const now = await table();
      // H2 and H3 run no WatchDog: the SuperWatchDog reports them down on its own clock.
      const hostsDown = ['H2', 'H3'].every((h) => now.includes(`{"name":"${h}","up":false}`));
      const same = now === last && now.includes('"S1"') && hostsDown;
      last = now;
      return same;
    },
    { timeoutMs: 40_000, intervalMs: 500 },
  );
}, 60_000);

afterAll(async () => {
  await d?.stop();
});

describe('bad input', () => {
  it('every unary method of the policy is tried; the streaming ones are left to their own tests', () => {
    const missing = Object.keys(POLICY).filter((p) => !methods.has(p));
    expect(missing, 'POLICY names methods no proto of this test defines').toEqual([]);
    // Health/List (newer health.proto) has no rule, so every daemon refuses it before any handler.
    const unruled = [...methods.keys()].filter((p) => !POLICY[p] && p !== '/grpc.health.v1.Health/List');
    expect(unruled, 'methods without a rule in POLICY').toEqual([]);
  });

  it('no call hangs, none ends in INTERNAL or UNKNOWN, a refusal leaves the table as it was, and every daemon still answers', async () => {
    const unary = Object.keys(POLICY).filter(isUnary);
    const tried = new Set<string>();
    const crashes: string[] = [];
    const changed: string[] = [];
    const succeeded: string[] = [];
    let calls = 0;
    for (const path of unary) {
      const rule = POLICY[path]!;
      if (rule.roles.length === 0) continue; // not callable over the network: its refusal is the security test's
      const { service, pkg, def } = methods.get(path)!;
      const { role, host } = callerOf(path);
      const creds = d.as(role, host).channelCredentials();
      // A host field names the caller's own host, so that the request reaches the handler.
      const base: Record<string, unknown> = rule.hostField ? { [rule.hostField]: host } : {};
      const type = def.requestType.type as unknown as Descriptor;
      for (const address of addressOfService(service)) {
        const c = d.client(() => grpc.makeGenericClientConstructor({}, service), address, creds);
        for (const { what, req } of casesOf(pkg, type, base)) {
          try {
            def.requestSerialize(req);
          } catch {
            continue; // not expressible on the wire
          }
          const before = await table();
          const started = Date.now();
          const r = await unaryCall(c, def, req);
          calls++;
          const name = `${path} as ${role} ${host} at ${address}, ${what}`;
          expect(Date.now() - started, `${name}: no answer within the deadline`).toBeLessThan(
            CALL_DEADLINE_MS + 2_000,
          );
          expect(r.code, `${name}: the deadline passed`).not.toBe(grpc.status.DEADLINE_EXCEEDED);
          if (r.code === grpc.status.INTERNAL || r.code === grpc.status.UNKNOWN)
            crashes.push(`${name}: ${grpc.status[r.code]} ${r.details.slice(0, 200)}`);
          const after = await table();
          if (r.code === 0) succeeded.push(name);
          if (r.code !== 0 && after !== before) {
            let i = 0;
            while (before[i] === after[i]) i++;
            changed.push(
              `${name}: ${r.details.slice(0, 200)}: ${i} ${before.length} ${after.length} ${before.slice(Math.max(0, i - 80), i + 300)} -> ${after.slice(Math.max(0, i - 80), i + 300)}; after ${succeeded.slice(-3).join('; ')}`,
            );
          }
        }
      }
      tried.add(path);
    }
    expect(crashes).toEqual([]);
    expect(changed).toEqual([]);
    expect(
      unary.filter((p) => !tried.has(p) && POLICY[p]!.roles.length > 0),
      'unary methods without bad-input cases',
    ).toEqual([]);
    expect(calls).toBeGreaterThan(unary.length);
    const check = methods.get('/grpc.health.v1.Health/Check')!;
    for (const address of addressOfService('grpc.health.v1.Health')) {
      const c = d.client(
        () => grpc.makeGenericClientConstructor({}, 'grpc.health.v1.Health'),
        address,
        d.as('viewer').channelCredentials(),
      );
      const r = await unaryCall(c, check.def, { service: '' });
      expect(r.code, `Health/Check at ${address}: ${r.details}`).toBe(0);
    }
  }, 90_000);
});
