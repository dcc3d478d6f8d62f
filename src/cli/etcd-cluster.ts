/**
 * A three-member etcd cluster on loopback for the tests and the bench (Debian's etcd-server; .ci/run
 * installs it): members on 127.0.0.1, client and peer ports from `basePort` (client = basePort + 2i,
 * peer = basePort + 2i + 1), data in a folder of its own, each member in its own process group and
 * stopped by its pid. `hasEtcd()` says whether the binary is there.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { EtcdClient } from '../checkpoint-server/etcd-client.js';

export const ETCD_BIN = process.env.RM_ETCD_BIN ?? 'etcd';

export function hasEtcd(): boolean {
  try {
    execFileSync(ETCD_BIN, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

interface Member {
  name: string;
  endpoint: string;
  peer: string;
  proc: ChildProcess | null;
}

export class EtcdCluster {
  private constructor(
    readonly dir: string,
    private readonly memberList: Member[],
  ) {}

  /** Starts the members and waits until the cluster answers a read (at most `readyMs`). */
  static async start(options: { dir: string; basePort: number; readyMs?: number }): Promise<EtcdCluster> {
    const members: Member[] = [0, 1, 2].map((i) => ({
      name: `m${i}`,
      endpoint: `127.0.0.1:${options.basePort + 2 * i}`,
      peer: `127.0.0.1:${options.basePort + 2 * i + 1}`,
      proc: null,
    }));
    const cluster = new EtcdCluster(options.dir, members);
    try {
      for (let i = 0; i < members.length; i++) cluster.startMember(i, 'new');
      await cluster.waitReady(options.readyMs ?? 30_000);
    } catch (err) {
      cluster.stop();
      throw err;
    }
    return cluster;
  }

  get endpoints(): string[] {
    return this.memberList.map((m) => m.endpoint);
  }

  /** Each member's pid, or null while it is killed. */
  get members(): Array<{ name: string; endpoint: string; pid: number | null }> {
    return this.memberList.map((m) => ({ name: m.name, endpoint: m.endpoint, pid: m.proc?.pid ?? null }));
  }

  /** The pids of the members running now (for a test's cleanup). */
  get pids(): number[] {
    return this.memberList.flatMap((m) => (m.proc?.pid ? [m.proc.pid] : []));
  }

  /** kill -9 of one member. */
  kill(i: number): void {
    const m = this.memberList[i] as Member;
    const pid = m.proc?.pid;
    m.proc = null;
    if (pid) killPid(pid);
  }

  /** Starts a killed member again on its data folder. */
  restart(i: number): void {
    this.startMember(i, 'existing');
  }

  /** The index of the member that is leader now, as the members themselves report it. */
  async leader(): Promise<number> {
    const client = new EtcdClient({ endpoints: this.endpoints, deadlineMs: 2000 });
    try {
      for (let i = 0; i < this.memberList.length; i++) {
        if (!this.memberList[i]?.proc) continue;
        try {
          const s = await client.status(this.endpoints[i] as string);
          if (s.leader !== '0' && s.leader === s.memberId) return i;
        } catch {
          // this member does not answer: ask the next
        }
      }
      throw new Error('no etcd member says it is the leader');
    } finally {
      client.close();
    }
  }

  /** Stops every member (SIGKILL by pid). Idempotent. */
  stop(): void {
    for (let i = 0; i < this.memberList.length; i++) this.kill(i);
  }

  private startMember(i: number, state: 'new' | 'existing'): void {
    const m = this.memberList[i] as Member;
    const data = join(this.dir, m.name);
    mkdirSync(data, { recursive: true });
    const log = openSync(join(this.dir, `${m.name}.log`), 'a');
    const initial = this.memberList.map((x) => `${x.name}=http://${x.peer}`).join(',');
    m.proc = spawn(
      ETCD_BIN,
      [
        `--name=${m.name}`,
        `--data-dir=${data}`,
        `--listen-client-urls=http://${m.endpoint}`,
        `--advertise-client-urls=http://${m.endpoint}`,
        `--listen-peer-urls=http://${m.peer}`,
        `--initial-advertise-peer-urls=http://${m.peer}`,
        `--initial-cluster=${initial}`,
        `--initial-cluster-state=${state}`,
        '--initial-cluster-token=rm-test',
        // etcd's defaults, said out loud: the leader-loss test measures against them.
        '--heartbeat-interval=100',
        '--election-timeout=1000',
        '--logger=zap',
        '--log-outputs=stderr',
      ],
      { stdio: ['ignore', log, log], detached: true },
    );
    closeSync(log);
    m.proc.unref();
  }

  private async waitReady(ms: number): Promise<void> {
    const client = new EtcdClient({ endpoints: this.endpoints, deadlineMs: 1000 });
    const until = Date.now() + ms;
    try {
      for (let n = 0; n < 1000; n++) {
        try {
          await client.range(Buffer.from('ready-probe'));
          return;
        } catch (err) {
          if (Date.now() > until)
            throw new Error(`etcd on ${this.endpoints.join(', ')} not ready in ${ms} ms: ${err}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    } finally {
      client.close();
    }
  }
}

function killPid(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
