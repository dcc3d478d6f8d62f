/**
 * Processes of a local cluster on one machine: each daemon in its own process group, remembered in a
 * pid file, and every copy found again by the identity its WatchDog gave it (RM_HOST and
 * RM_WATCHDOG_ADDRESS in its environment), so that "crash a host" and "stop everything" leave nothing.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { procStat } from '../watchdog/state.js';

export interface LocalDaemon {
  kind: 'checkpoint-server' | 'watchdog' | 'super-watchdog' | 'router' | 'etcd';
  host: string;
  pid: number;
}

/** Starts one daemon as `node rmd.js KIND --config FILE --host HOST`, its output appended to `logFile`. */
export function spawnDaemon(
  rmd: string,
  kind: LocalDaemon['kind'],
  configFile: string,
  host: string,
  logFile: string,
  env: NodeJS.ProcessEnv = {},
): ChildProcess {
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, [rmd, kind, '--config', configFile, '--host', host], {
    detached: true,
    stdio: ['ignore', out, out],
    env: { ...process.env, ...env },
  });
  child.unref();
  return child;
}

/** The environment of a process, or null if it is gone or not ours to read. */
export function environOf(pid: number): Map<string, string> | null {
  try {
    const raw = readFileSync(`/proc/${pid}/environ`, 'utf8');
    const env = new Map<string, string>();
    for (const kv of raw.split('\0')) {
      const i = kv.indexOf('=');
      if (i > 0) env.set(kv.slice(0, i), kv.slice(i + 1));
    }
    return env;
  } catch {
    return null;
  }
}

/** The command line of a process (empty if it is gone). */
export function cmdlineOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

/** Every other process's pid, from /proc. */
export function otherPids(): number[] {
  return readdirSync('/proc')
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid !== process.pid);
}

/** Pids of the copies a WatchDog at `watchdogAddress` started (or adopted), found through /proc. */
export function copiesOf(watchdogAddress: string): Array<{ pid: number; replica: string }> {
  const found: Array<{ pid: number; replica: string }> = [];
  for (const pid of otherPids()) {
    const env = environOf(pid);
    if (env?.get('RM_WATCHDOG_ADDRESS') === watchdogAddress)
      found.push({ pid, replica: env.get('RM_REPLICA') ?? '' });
  }
  return found;
}

/** Pids of `rmd KIND … --host HOST` processes started from `configFile`, found through /proc. */
export function daemonsOf(kind: string, configFile: string, host: string): number[] {
  const found: number[] = [];
  for (const pid of otherPids()) {
    const args = cmdlineOf(pid);
    const at = (flag: string) => args[args.indexOf(flag) + 1];
    if (args.includes(kind) && at('--config') === configFile && at('--host') === host) found.push(pid);
  }
  return found;
}

/**
 * The folders of the local clusters running on this machine, found through their Checkpoint Server's
 * command line (`rmd checkpoint-server --config DIR/cluster.yaml`, with the cluster's DIR/pids.json).
 */
export function localClustersRunning(): string[] {
  const dirs = new Set<string>();
  for (const pid of otherPids()) {
    const args = cmdlineOf(pid);
    const config = args[args.indexOf('--config') + 1];
    if (!args.includes('checkpoint-server') || !config || basename(config) !== 'cluster.yaml') continue;
    if (existsSync(`${dirname(config)}/pids.json`)) dirs.add(dirname(config));
  }
  return [...dirs].sort();
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * SIGKILL to the process group of `pid` (a daemon and what runs in its group; a copy, its keeper and
 * what runs in theirs), ignoring one that is gone. Never this process's own group.
 */
export function killGroup(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  const group = procStat(pid)?.pgid || pid;
  try {
    if (group === procStat(process.pid)?.pgid) throw new Error('our own group');
    process.kill(-group, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // gone
    }
  }
}

/** Waits until none of `pids` is alive, at most `timeoutMs`. */
export async function waitGone(pids: readonly number[], timeoutMs = 5000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (!pids.some(isAlive)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !pids.some(isAlive);
}
