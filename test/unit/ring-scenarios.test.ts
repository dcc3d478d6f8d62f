/**
 * The SuperWatchDog ring's specification: every file under test/ring-scenarios/ is one member's view
 * of a story (source ¶0022, ¶0025–0026). A file starts with `#` comments saying what it shows and the
 * source paragraph, then gives the ring and the member whose core is run:
 *
 *   ring: [H2, H5, H6]      # ring order
 *   self: H5                # whose view this is
 *   beatIntervalMs: 100
 *   ringTimeoutMs: 1000
 *   start: 0                # when it starts (initRing's `now`); 0 if absent
 *   steps:
 *     - at: 250                          # the message's time; a list runs the same message at each time
 *       msg: send-failed H6
 *       effects: [declare-dead H6, register-with H2]   # exactly, in order; none if absent
 *       successor: H2                    # optional checks after the step: successor, predecessor,
 *       live: [H2, H5]                   #   live, primary (null: unknown), epoch, isPrimary,
 *                                        #   acquiring, timeouts ({H5: 2000})
 *
 * Messages: `tick`, `beat-received FROM PRIMARY@EPOCH` (`none@0` when the view names nobody),
 * `registered FROM`, `send-failed TO`, `epoch-won EPOCH`, `epoch-lost PRIMARY@EPOCH`,
 * `stale-epoch EPOCH`, `epoch-unavailable`. Effects: `beat TO`, `register-with MEMBER`,
 * `declare-dead MEMBER` (+ ` (primary)` when it was the primary), `acquire-epoch EXPECTED`,
 * `became-primary EPOCH`, `step-down EPOCH`. Every step also checks that step() left its input alone
 * and gives the same answer twice.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  initRing,
  isPrimary,
  memberTimeoutMs,
  predecessorOf,
  type RingEffect,
  type RingMsg,
  type RingState,
  step,
  successorOf,
} from '../../src/super-watchdog/ring.js';

const DIR = resolve(import.meta.dirname, '../ring-scenarios');

const CHECKS = [
  'successor',
  'predecessor',
  'live',
  'primary',
  'epoch',
  'isPrimary',
  'acquiring',
  'timeouts',
] as const;
const STEP_KEYS = new Set<string>(['at', 'msg', 'effects', ...CHECKS]);
const TOP_KEYS = new Set(['ring', 'self', 'beatIntervalMs', 'ringTimeoutMs', 'start', 'steps']);

interface Step {
  at: number | number[];
  msg: string;
  effects?: string[];
  successor?: string;
  predecessor?: string;
  live?: string[];
  primary?: string | null;
  epoch?: number;
  isPrimary?: boolean;
  acquiring?: boolean;
  timeouts?: Record<string, number>;
}

interface Scenario {
  ring: string[];
  self: string;
  beatIntervalMs: number;
  ringTimeoutMs: number;
  start?: number;
  steps: Step[];
}

/** `H2@1` → { primary: 'H2', epoch: 1 }; `none@0` → nobody. */
function parseView(text: string | undefined): { primary: string | null; epoch: number } {
  const m = /^([^@\s]+)@(\d+)$/.exec(text ?? '');
  if (!m) throw new Error(`expected a view like H2@1 or none@0, got "${text ?? ''}"`);
  return { primary: m[1] === 'none' ? null : (m[1] as string), epoch: Number(m[2]) };
}

function num(text: string | undefined): number {
  if (!text || !/^\d+$/.test(text)) throw new Error(`expected a number, got "${text ?? ''}"`);
  return Number(text);
}

function word(text: string | undefined): string {
  if (!text) throw new Error('a member name is missing');
  return text;
}

/** Turns a step's one-line message into step()'s input. */
function parseMsg(text: string, now: number): RingMsg {
  const [kind, ...args] = text.trim().split(/\s+/);
  const arity: Record<string, number> = {
    tick: 0,
    'beat-received': 2,
    registered: 1,
    'send-failed': 1,
    'epoch-won': 1,
    'epoch-lost': 1,
    'stale-epoch': 1,
    'epoch-unavailable': 0,
  };
  const want = arity[kind ?? ''];
  if (want === undefined) throw new Error(`unknown message "${text}"`);
  if (args.length !== want) throw new Error(`"${kind}" takes ${want} word(s), got "${text}"`);
  const [a, b] = args;
  switch (kind) {
    case 'tick':
    case 'epoch-unavailable':
      return { kind, now };
    case 'beat-received':
      return { kind, from: word(a), now, view: parseView(b) };
    case 'registered':
      return { kind, from: word(a), now };
    case 'send-failed':
      return { kind, to: word(a), now };
    case 'epoch-won':
    case 'stale-epoch':
      return { kind, epoch: num(a), now };
    default: {
      const v = parseView(a);
      return { kind: 'epoch-lost', primary: v.primary ?? '', epoch: v.epoch, now };
    }
  }
}

/** The short form of an effect, as the scenario files write it. */
function effectText(e: RingEffect): string {
  switch (e.kind) {
    case 'beat':
      return `beat ${e.to}`;
    case 'register-with':
      return `register-with ${e.member}`;
    case 'declare-dead':
      return `declare-dead ${e.member}${e.wasPrimary ? ' (primary)' : ''}`;
    case 'acquire-epoch':
      return `acquire-epoch ${e.expectedEpoch}`;
    case 'became-primary':
      return `became-primary ${e.epoch}`;
    case 'step-down':
      return `step-down ${e.epoch}`;
  }
}

function checkAfter(state: RingState, s: Step, where: string): void {
  if (s.successor !== undefined) expect(successorOf(state), `${where}: successor`).toBe(s.successor);
  if (s.predecessor !== undefined) expect(predecessorOf(state), `${where}: predecessor`).toBe(s.predecessor);
  if (s.live !== undefined) {
    expect(
      state.members.filter((m) => m.live).map((m) => m.name),
      `${where}: live members`,
    ).toEqual(s.live);
  }
  if (s.primary !== undefined) expect(state.primary, `${where}: primary`).toBe(s.primary);
  if (s.epoch !== undefined) expect(state.epoch, `${where}: epoch`).toBe(s.epoch);
  if (s.isPrimary !== undefined) expect(isPrimary(state), `${where}: isPrimary`).toBe(s.isPrimary);
  if (s.acquiring !== undefined) {
    expect(state.acquiringSinceMs !== null, `${where}: a request to the arbiter in flight`).toBe(s.acquiring);
  }
  for (const [member, ms] of Object.entries(s.timeouts ?? {})) {
    expect(memberTimeoutMs(state, member), `${where}: timeout of ${member}`).toBe(ms);
  }
}

function scenarioFiles(): string[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(DIR, f));
}

/** Runs one scenario file; every failure names the file, the step and the message. */
function run(name: string, text: string): void {
  const lines = text.split('\n');
  const firstOther = lines.findIndex((l) => !l.startsWith('#'));
  const header = lines.slice(0, firstOther === -1 ? lines.length : firstOther);
  expect(header.length, `${name}: starts with # comments saying what it shows`).toBeGreaterThan(0);
  expect(header.join('\n'), `${name}: the header cites its source paragraph`).toMatch(/¶\d{4}|DESIGN §\d/);
  const s = parse(text) as Scenario;
  for (const k of Object.keys(s)) expect(TOP_KEYS.has(k), `${name}: unknown key "${k}"`).toBe(true);
  let state = initRing(
    { self: s.self, members: s.ring, beatIntervalMs: s.beatIntervalMs, ringTimeoutMs: s.ringTimeoutMs },
    s.start ?? 0,
  );
  let last = s.start ?? 0;
  expect(s.steps?.length, `${name}: has steps`).toBeGreaterThan(0);
  s.steps.forEach((st, i) => {
    const label = `${name}, step ${i + 1} (${st.msg} @${JSON.stringify(st.at)})`;
    for (const k of Object.keys(st)) expect(STEP_KEYS.has(k), `${label}: unknown key "${k}"`).toBe(true);
    const times = Array.isArray(st.at) ? st.at : [st.at];
    for (const at of times) {
      const where = times.length > 1 ? `${label} at ${at}` : label;
      expect(typeof at === 'number' && at >= last, `${where}: times must not go back (last ${last})`).toBe(
        true,
      );
      last = at;
      let msg: RingMsg;
      try {
        msg = parseMsg(st.msg, at);
      } catch (err) {
        throw new Error(`${where}: ${(err as Error).message}`);
      }
      const before = structuredClone(state);
      const res = step(state, msg);
      expect(state, `${where}: step() must not change its input`).toEqual(before);
      expect(step(before, msg), `${where}: step() must give the same answer twice`).toEqual(res);
      expect(res.effects.map(effectText), `${where}: effects`).toEqual(st.effects ?? []);
      state = res.state;
    }
    checkAfter(state, st, label);
  });
}

describe('ring scenarios (test/ring-scenarios)', () => {
  const all = scenarioFiles();
  it('has scenario files', () => expect(all.length).toBeGreaterThanOrEqual(10));

  for (const file of all) {
    const name = `test/ring-scenarios/${file.slice(DIR.length + 1)}`;
    it(name, () => run(name, readFileSync(file, 'utf8')));
  }

  it('a scenario with a mistake fails loudly, naming the file and the step', () => {
    const head =
      '# shows a typo (¶0025)\nring: [H2, H5]\nself: H2\nbeatIntervalMs: 100\nringTimeoutMs: 1000\n';
    expect(() => run('bad.yaml', `${head}steps:\n  - { at: 100, msg: explode H5 }\n`)).toThrow(
      /bad\.yaml, step 1 \(explode H5 @100\).*unknown message/,
    );
    expect(() => run('bad.yaml', `${head}steps:\n  - { at: 100, msg: tick, effects: [] }\n`)).toThrow(
      /bad\.yaml, step 1 \(tick @100\): effects/,
    );
    expect(() => run('bad.yaml', `${head}steps:\n  - { at: 100, msg: tick, sucessor: H5 }\n`)).toThrow(
      /unknown key "sucessor"/,
    );
    expect(() => parseMsg('beat-received H5 H5', 0)).toThrow(/expected a view/);
  });
});
