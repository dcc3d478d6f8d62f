/**
 * One table format both ways (docs/TABLE-FORMAT.md): what `rmctl status --json` prints, after the
 * real wire encoding of a StatusResponse, is a file `rmctl simulate -f` reads, and it decides on it
 * exactly as on the table it came from.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderStatus } from '../../src/cli/commands.js';
import { simulateCommand } from '../../src/cli/simulate.js';
import { tableToProto } from '../../src/replica-manager/proto-convert.js';
import { parseTableFile } from '../../src/replica-manager/table-file.js';
import type { StatusResponse__Output } from '../../src/shared/generated/rm/replica_manager/v1/StatusResponse.js';
import { protos } from '../../src/shared/grpc.js';
import { ROOT, tempDir } from '../helpers/processes.js';

const FIG2 = join(ROOT, 'examples', 'fig2.yaml');

/** A StatusResponse as rmctl receives it: serialized and deserialized by the service's own codec. */
function overTheWire(
  file: string,
  epoch: number,
  manager: string,
  applied: Record<string, { seq: string; generation: string }> = {},
): StatusResponse__Output {
  const table = parseTableFile(readFileSync(file, 'utf8'), file);
  const method = protos().replicaManager.rm.replica_manager.v1.ReplicaManager.service.Status;
  const bytes = method.responseSerialize({
    table: tableToProto(table),
    epoch: String(epoch),
    manager_host: manager,
    applied,
  });
  return method.responseDeserialize(bytes) as StatusResponse__Output;
}

function simulate(file: string, events: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = simulateCommand(
    { file, event: events, json: true },
    { out: (t) => out.push(t), err: (t) => err.push(t) },
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('rmctl status --json is a table file for rmctl simulate -f', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir('rm-status-json-');
  });
  afterEach(() => tmp?.remove());

  it('keeps the epoch and manager of the answer, and simulate reads the file and decides as on FIG. 2', () => {
    const json = renderStatus(overTheWire(FIG2, 3, 'H5'), true);
    const printed = JSON.parse(json);
    expect(printed.epoch).toBe(3);
    expect(printed.manager).toBe('H5');
    const file = join(tmp.dir, 'status.json');
    writeFileSync(file, json);
    const events = ['replica-failed A1', 'host-down H1'];
    const fromStatus = simulate(file, events);
    expect(fromStatus.err).toBe('');
    expect(fromStatus.code).toBe(0);
    const fromFig2 = simulate(FIG2, events);
    expect(JSON.parse(fromStatus.out)).toEqual(JSON.parse(fromFig2.out));
    expect(parseTableFile(json, file)).toEqual(parseTableFile(readFileSync(FIG2, 'utf8'), FIG2));
  });

  it("shows each copy's applied position and its lag behind the most advanced of its module, in the table and in --json", () => {
    const applied = {
      A1: { seq: '120', generation: '2' },
      A2: { seq: '97', generation: '2' },
      A3: { seq: '120', generation: '2' },
    };
    const res = overTheWire(FIG2, 3, 'H5', applied);
    const text = renderStatus(res, false);
    expect(text).toMatch(/Applied\s*│?\s*Lag/);
    expect(text).toMatch(/A2\b.*\b2:97\s*│?\s*23\b/);
    expect(text).toMatch(/A1\b.*\b2:120\s*│?\s*0\b/);
    const json = renderStatus(res, true);
    const printed = JSON.parse(json);
    expect(printed.applied).toEqual({
      A1: { seq: 120, generation: 2, lag: 0 },
      A2: { seq: 97, generation: 2, lag: 23 },
      A3: { seq: 120, generation: 2, lag: 0 },
    });
    // Still a table file: the positions are read and not kept (they come with events).
    const file = join(tmp.dir, 'status.json');
    writeFileSync(file, json);
    expect(simulate(file, ['replica-failed A1']).code).toBe(0);
    expect(parseTableFile(json, file)).toEqual(parseTableFile(readFileSync(FIG2, 'utf8'), FIG2));
    // No position known: no columns.
    expect(renderStatus(overTheWire(FIG2, 3, 'H5'), false)).not.toContain('Applied');
  });

  it("keeps a module's user and group through the wire and the file", () => {
    const withUser = join(tmp.dir, 'with-user.yaml');
    writeFileSync(
      withUser,
      readFileSync(FIG2, 'utf8').replace(/(\n {4}style: warm\n)/, '$1    user: app\n    group: "4300"\n'),
    );
    const file = join(tmp.dir, 'status.json');
    writeFileSync(file, renderStatus(overTheWire(withUser, 3, 'H5'), true));
    const a = parseTableFile(readFileSync(file, 'utf8'), file).modules.find((m) => m.name === 'A');
    expect(a).toMatchObject({ user: 'app', group: '4300' });
    expect(parseTableFile(readFileSync(file, 'utf8'), file)).toEqual(
      parseTableFile(readFileSync(withUser, 'utf8'), withUser),
    );
  });

  it("keeps a module's copy-cat registration and guideline through the wire and the file", () => {
    const withCat = join(tmp.dir, 'with-copycat.yaml');
    writeFileSync(
      withCat,
      readFileSync(FIG2, 'utf8').replace(
        /(\n {4}style: warm\n)/,
        '$1    copyCat: true\n    maxOutOfSyncMs: 1500\n',
      ),
    );
    const json = renderStatus(overTheWire(withCat, 3, 'H5'), true);
    expect(JSON.parse(json).modules.find((m: { name: string }) => m.name === 'A')).toMatchObject({
      copyCat: true,
      maxOutOfSyncMs: 1500,
    });
    const file = join(tmp.dir, 'status.json');
    writeFileSync(file, json);
    expect(parseTableFile(readFileSync(file, 'utf8'), file)).toEqual(
      parseTableFile(readFileSync(withCat, 'utf8'), withCat),
    );
  });

  it('still refuses a wrong type or an unknown key at the top, naming it', () => {
    const file = join(tmp.dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ hosts: [{ name: 'H1' }], modules: [], epoch: 'three' }));
    expect(simulate(file, []).err).toMatch(/epoch: expected a number, got string "three"/);
    writeFileSync(file, JSON.stringify({ hosts: [{ name: 'H1' }], modules: [], colour: 'red' }));
    expect(simulate(file, []).err).toMatch(
      /unknown key "colour"; accepted here: hosts, modules, epoch, manager, applied/,
    );
  });
});
