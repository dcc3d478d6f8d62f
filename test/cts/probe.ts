/**
 * What the processes themselves say, read without asking any daemon: the copies of this cluster
 * (found in /proc by the identity their WatchDog gave them: RM_WATCHDOG_ADDRESS, RM_HOST,
 * RM_REPLICA, RM_MODULE), whether each is stopped (state T in /proc/PID/stat), and the role each
 * last announced in its own output (the sample application's JSON lines, which carry its pid), with
 * the saves the Checkpoint Server acknowledged to it.
 */
import { closeSync, fstatSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { cmdlineOf, environOf } from '../../src/cli/local-processes.js';

/** How long a process's identity is read again on every scan (a fork takes a moment to exec). */
const YOUNG_MS = 1500;

export interface CopyProcess {
  pid: number;
  /** /proc start time (clock ticks after boot): tells this process from a later one with its pid. */
  start: string;
  host: string;
  replica: string;
  module: string;
  /** /proc state letter: R, S, D, T (stopped), t, Z … */
  state: string;
  /** The role this process last announced ('primary', 'backup', 'fenced'), or null before its first. */
  role: string | null;
  /** When it announced that role (ms, this process's clock: performance.now()). */
  roleAtMs: number | null;
}

/** A daemon of this cluster (`rmd KIND --config <this cluster's file> --host H`). */
export interface DaemonProcess {
  pid: number;
  kind: string;
  host: string;
  state: string;
  /** When this scan first saw the process (ms, performance.now()). */
  firstSeenMs: number;
}

/** A process that exists, is not stopped and is not a zombie. */
export function isLive(c: Pick<CopyProcess, 'state'>): boolean {
  return c.state !== 'T' && c.state !== 't' && c.state !== 'Z' && c.state !== 'X';
}

/** State letter and start time of a pid, or null when it is gone. */
export function procStat(pid: number): { state: string; start: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '?', start: fields[19] ?? '' };
  } catch {
    return null;
  }
}

interface Ident {
  start: string;
  copy: { host: string; replica: string; module: string } | null;
  /** `rmd KIND … --host H` started from this cluster's file. */
  daemon: { kind: string; host: string } | null;
  firstSeenMs: number;
}

/** An acknowledged save, as the copy printed it. */
export interface Ack {
  module: string;
  replica: string;
  pid: number;
  counter: number;
  version: number;
  atMs: number;
}

/** Appends of one log file, read from where the last read stopped. */
class Tail {
  private offset = 0;
  private rest = '';
  /** The last pid that said "started" here: owner of lines without a pid. */
  lastStarted = 0;

  constructor(readonly file: string) {}

  read(): string[] {
    let fd: number;
    try {
      fd = openSync(this.file, 'r');
    } catch {
      return [];
    }
    try {
      const size = fstatSync(fd).size;
      if (size < this.offset) {
        this.offset = 0;
        this.rest = '';
      }
      if (size === this.offset) return [];
      const buf = Buffer.alloc(size - this.offset);
      const n = readSync(fd, buf, 0, buf.length, this.offset);
      this.offset += n;
      const text = this.rest + buf.subarray(0, n).toString('utf8');
      const lines = text.split('\n');
      this.rest = lines.pop() ?? '';
      return lines;
    } finally {
      closeSync(fd);
    }
  }
}

export class Probe {
  private readonly idents = new Map<number, Ident>();
  private readonly tails = new Map<string, Tail>();
  /** Latest announced role per pid. */
  private readonly roles = new Map<number, { role: string; atMs: number; event: string }>();
  /** Acknowledged saves per module, in the order they were read. */
  readonly acks = new Map<string, Ack[]>();
  private readonly watchdogAddresses: Set<string>;

  constructor(
    private readonly opts: {
      cfgFile: string;
      watchdogAddresses: string[];
      /** Log folder of each host's copies (state/<host>/logs). */
      logDirOf: (host: string) => string;
      /** The (host, replica) pairs whose logs to follow. */
      replicas: Array<{ host: string; replica: string; module: string }>;
    },
  ) {
    this.watchdogAddresses = new Set(opts.watchdogAddresses);
    for (const r of opts.replicas) {
      this.tails.set(`${r.host}/${r.replica}`, new Tail(join(opts.logDirOf(r.host), `${r.replica}.log`)));
    }
  }

  /** Reads what every copy printed since the last call. */
  readLogs(nowMs: number): void {
    for (const r of this.opts.replicas) {
      const tail = this.tails.get(`${r.host}/${r.replica}`);
      if (!tail) continue;
      for (const line of tail.read()) {
        if (!line.startsWith('{')) continue;
        let e: Record<string, unknown>;
        try {
          e = JSON.parse(line) as Record<string, unknown>;
        } catch {
          continue;
        }
        const event = String(e.event ?? '');
        let pid = typeof e.pid === 'number' ? e.pid : 0;
        if (event === 'started' && pid > 0) tail.lastStarted = pid;
        if (pid === 0) pid = tail.lastStarted;
        if (pid === 0) continue;
        if ((event === 'role' || event === 'started') && typeof e.role === 'string')
          this.roles.set(pid, { role: e.role, atMs: nowMs, event });
        else if (event === 'fenced') this.roles.set(pid, { role: 'fenced', atMs: nowMs, event });
        else if (event === 'saved' && typeof e.counter === 'number') {
          const list = this.acks.get(r.module) ?? [];
          list.push({
            module: r.module,
            replica: r.replica,
            pid,
            counter: e.counter,
            version: Number(e.version ?? 0),
            atMs: nowMs,
          });
          this.acks.set(r.module, list);
        }
      }
    }
  }

  /** One pass over /proc: this cluster's copies (with state and announced role) and daemons. */
  scan(nowMs: number): {
    copies: CopyProcess[];
    daemons: DaemonProcess[];
  } {
    const copies: CopyProcess[] = [];
    const daemons: DaemonProcess[] = [];
    const seen = new Set<number>();
    let entries: string[] = [];
    try {
      entries = readdirSync('/proc');
    } catch {
      return { copies, daemons };
    }
    for (const entry of entries) {
      const pid = Number(entry);
      if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) continue;
      seen.add(pid);
      let ident = this.idents.get(pid);
      // A process just forked may not have exec'd yet (a WatchDog's child still has its command
      // line): look again while it is young.
      if (ident && nowMs - ident.firstSeenMs < YOUNG_MS) ident = undefined;
      if (ident && (ident.copy || ident.daemon)) {
        const st = procStat(pid);
        if (!st) continue;
        if (st.start !== ident.start) ident = undefined;
        else {
          this.push(pid, ident, st.state, copies, daemons);
          continue;
        }
      }
      if (ident) continue;
      const st = procStat(pid);
      if (!st) continue;
      const env = environOf(pid);
      const wd = env?.get('RM_WATCHDOG_ADDRESS');
      let copy: Ident['copy'] = null;
      let daemon: Ident['daemon'] = null;
      if (env && wd && this.watchdogAddresses.has(wd)) {
        copy = {
          host: env.get('RM_HOST') ?? '',
          replica: env.get('RM_REPLICA') ?? '',
          module: env.get('RM_MODULE') ?? '',
        };
      } else {
        const args = cmdlineOf(pid);
        const at = (flag: string) => args[args.indexOf(flag) + 1];
        if (args.includes('--config') && at('--config') === this.opts.cfgFile) {
          const kind = ['replica-manager', 'super-watchdog', 'watchdog', 'checkpoint-server'].find((k) =>
            args.includes(k),
          );
          if (kind) daemon = { kind, host: at('--host') ?? '' };
        }
      }
      const prev = this.idents.get(pid);
      ident = {
        start: st.start,
        copy,
        daemon,
        firstSeenMs: prev && prev.start === st.start ? prev.firstSeenMs : nowMs,
      };
      this.idents.set(pid, ident);
      this.push(pid, ident, st.state, copies, daemons);
    }
    for (const pid of [...this.idents.keys()]) if (!seen.has(pid)) this.idents.delete(pid);
    return { copies, daemons };
  }

  private push(
    pid: number,
    ident: Ident,
    state: string,
    copies: CopyProcess[],
    daemons: DaemonProcess[],
  ): void {
    if (ident.copy) {
      const r = this.roles.get(pid);
      copies.push({
        pid,
        start: ident.start,
        ...ident.copy,
        state,
        role: r?.role ?? null,
        roleAtMs: r?.atMs ?? null,
      });
    } else if (ident.daemon) {
      daemons.push({ pid, ...ident.daemon, state, firstSeenMs: ident.firstSeenMs });
    }
  }
}
