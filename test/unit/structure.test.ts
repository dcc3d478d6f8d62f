/**
 * The layout's rules, read from the source: the shared model sits below every daemon, no two
 * folders of src/ import each other, directly or around a loop, the WatchDog reads the time and
 * the process table only through its Clock and ProcessControl, and the SDK reads the time and sets
 * timers only through its Clock.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'generated' ? [] : sourceFiles(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

/** The top folder of src/ a file lies in. */
function folderOf(path: string): string {
  return relative(SRC, path).split('/')[0] ?? '';
}

/** folder → the other folders of src/ its files import. */
function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sourceFiles(SRC)) {
    const from = folderOf(file);
    const edges = graph.get(from) ?? new Set<string>();
    graph.set(from, edges);
    for (const m of readFileSync(file, 'utf8').matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
      const to = folderOf(resolve(dirname(file), m[1] ?? ''));
      if (to !== from) edges.add(to);
    }
  }
  return graph;
}

/** A loop of folders, if there is one (depth-first search with the path on the stack). */
function findCycle(graph: Map<string, Set<string>>): string[] | undefined {
  const done = new Set<string>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    const at = stack.indexOf(node);
    if (at >= 0) return [...stack.slice(at), node];
    if (done.has(node)) return undefined;
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    done.add(node);
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

describe('the layout of src/', () => {
  const graph = folderGraph();

  it('has no loop of imports between folders', () => {
    expect(findCycle(graph)).toBeUndefined();
  });

  it('keeps the shared model below every daemon: it imports no other folder', () => {
    expect([...(graph.get('model') ?? [])]).toEqual([]);
  });

  it('keeps the shared plumbing below every daemon: it imports only the model', () => {
    expect([...(graph.get('shared') ?? [])].filter((f) => f !== 'model')).toEqual([]);
  });

  it('finds a loop when there is one', () => {
    const looped = new Map([
      ['a', new Set(['b'])],
      ['b', new Set(['c'])],
      ['c', new Set(['a'])],
    ]);
    expect(findCycle(looped)).toEqual(['a', 'b', 'c', 'a']);
  });
});

/**
 * The WatchDog's files that are themselves the system's side of an interface: the real
 * ProcessControl (/proc, spawn), the real Probes (tcp, http, grpc, exec), and the keeper, a program
 * of its own that the ProcessControl starts. Every other file reaches the OS through them or the Clock.
 */
const WATCHDOG_OS_SIDE = ['keeper.ts', 'probes.ts', 'process-control.ts'];

/** What reads the clock, sets a timer or reads /proc directly (a `clock.setTimeout(` is fine). */
const OS_READS = [/\bDate\.now\(/, /(?<![.\w])setTimeout\(/, /['`]\/proc/];

describe('the WatchDog', () => {
  it('reads the time, timers and /proc only through its Clock and ProcessControl', () => {
    const offending = sourceFiles(join(SRC, 'watchdog'))
      .filter((f) => !WATCHDOG_OS_SIDE.includes(relative(join(SRC, 'watchdog'), f)))
      .flatMap((f) => {
        const text = readFileSync(f, 'utf8');
        return OS_READS.filter((re) => re.test(text)).map((re) => `${relative(SRC, f)}: ${re.source}`);
      });
    expect(offending).toEqual([]);
  });

  it('finds a direct read when there is one', () => {
    const hits = (text: string) => OS_READS.filter((re) => re.test(text)).length;
    expect(hits('const t = Date.now(); setTimeout(f, 1); readFileSync(`/proc/1/stat`)')).toBe(3);
    expect(hits('this.opts.clock.setTimeout(f, 1); clock.now()')).toBe(0);
  });
});

/** What reads the clock or sets a timer directly (a `clock.setTimeout(` is fine). */
const TIME_READS = [
  /\bDate\.now\b/,
  /\bperformance\.now\(/,
  /(?<![.\w])setTimeout\(/,
  /(?<![.\w])setInterval\(/,
];

describe('the SDK', () => {
  it('reads the time and sets timers only through its Clock', () => {
    const offending = sourceFiles(join(SRC, 'client')).flatMap((f) => {
      const text = readFileSync(f, 'utf8');
      return TIME_READS.filter((re) => re.test(text)).map((re) => `${relative(SRC, f)}: ${re.source}`);
    });
    expect(offending).toEqual([]);
  });

  it('finds a direct read when there is one', () => {
    const hits = (text: string) => TIME_READS.filter((re) => re.test(text)).length;
    expect(hits('const t = Date.now(); performance.now(); setTimeout(f, 1); setInterval(f, 1)')).toBe(4);
    expect(hits('new Recording(1, Date.now, Math.random)')).toBe(1);
    expect(hits('this.clock.setTimeout(f, 1); clock.now(); repeat(clock, 1, f)')).toBe(0);
  });
});
