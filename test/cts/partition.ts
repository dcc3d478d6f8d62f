/**
 * A network partition of one host on loopback, with iptables. Every process of the local cluster talks
 * from 127.0.0.1 whatever address it calls, so the rules tell a host's traffic by the group id its
 * daemons (and so its copies) run under (restarter.ts), in the OUTPUT chain where loopback packets
 * leave their socket:
 *
 *   - a packet from the host's processes to another loopback address than its own (and 127.0.0.1,
 *     where answers to its own clients go) is dropped: it calls no one else;
 *   - a packet to the host's address from any other process is dropped: no one else calls it.
 *
 * Host-local traffic (its copies and its WatchDog, its SuperWatchDog and ReplicaManager) flows.
 * The rules live in chains of their own, RM-CTS and RM-CTS-HOST, jumped to from OUTPUT; heal()
 * removes them, and so does clearStale() for a run that was killed before it could.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

const CHAIN = 'RM-CTS';
const HOST_CHAIN = 'RM-CTS-HOST';

function ipt(args: string[], quiet = false): boolean {
  try {
    execFileSync('iptables', ['-w', '5', ...args], {
      stdio: ['ignore', 'ignore', quiet ? 'ignore' : 'pipe'],
    });
    return true;
  } catch (err) {
    if (!quiet) throw new Error(`iptables ${args.join(' ')} failed: ${(err as Error).message}`);
    return false;
  }
}

/** Whether partitions can be made here: iptables present, run as root. */
export function partitionSupported(): string | null {
  if (process.getuid?.() !== 0) return 'the partition fault needs root (iptables and per-host group ids)';
  try {
    execFileSync('iptables', ['-w', '5', '-S', 'OUTPUT'], { stdio: 'ignore' });
  } catch {
    return 'the partition fault needs iptables (apt-get install -y iptables)';
  }
  return null;
}

/** One rule change without blocking the audits' event loop. */
async function iptAsync(args: string[]): Promise<void> {
  try {
    await execFileAsync('iptables', ['-w', '5', ...args], { timeout: 10_000 });
  } catch (err) {
    throw new Error(`iptables ${args.join(' ')} failed: ${(err as Error).message}`);
  }
}

/** Removes the suite's chains and the jump to them, if any are left. Never throws. */
export function clearStale(): void {
  for (let i = 0; i < 10 && ipt(['-D', 'OUTPUT', '-j', CHAIN], true); i++) {
    // a jump added more than once is removed as often
  }
  for (const c of [CHAIN, HOST_CHAIN]) {
    ipt(['-F', c], true);
  }
  for (const c of [CHAIN, HOST_CHAIN]) ipt(['-X', c], true);
}

/** The rules in force (iptables -S of the suite's chains), for the evidence of a round. */
export async function rulesInForce(): Promise<string[]> {
  const out: string[] = [];
  for (const c of [CHAIN, HOST_CHAIN]) {
    try {
      const r = await execFileAsync('iptables', ['-w', '5', '-S', c], { timeout: 10_000 });
      out.push(...r.stdout.split('\n').filter((l) => l.startsWith('-A')));
    } catch {
      // no such chain
    }
  }
  return out;
}

/** Cuts `address` (a host whose processes run under group `gid`) off every other loopback address. */
export async function partition(address: string, gid: number): Promise<void> {
  clearStale();
  await iptAsync(['-N', CHAIN]);
  await iptAsync(['-N', HOST_CHAIN]);
  await iptAsync(['-A', HOST_CHAIN, '-d', `${address}/32`, '-j', 'RETURN']);
  await iptAsync(['-A', HOST_CHAIN, '-d', '127.0.0.1/32', '-j', 'RETURN']);
  await iptAsync(['-A', HOST_CHAIN, '-d', '127.0.0.0/8', '-j', 'DROP']);
  await iptAsync(['-A', CHAIN, '-m', 'owner', '--gid-owner', String(gid), '-j', HOST_CHAIN]);
  await iptAsync([
    '-A',
    CHAIN,
    '-d',
    `${address}/32`,
    '-m',
    'owner',
    '!',
    '--gid-owner',
    String(gid),
    '-j',
    'DROP',
  ]);
  // Last: the cut takes effect at once, with every rule in place.
  await iptAsync(['-I', 'OUTPUT', '1', '-j', CHAIN]);
}

/**
 * Cuts the TCP ports `ports` of 127.0.0.1 (an etcd member's client and peer ports): every packet to
 * or from them is dropped, so nobody reaches the member and none of its answers leave. The
 * connections it opens itself, from other ports, still pass (one way only, as a broken link may).
 */
export async function partitionPorts(ports: readonly number[]): Promise<void> {
  clearStale();
  await iptAsync(['-N', CHAIN]);
  for (const port of ports)
    for (const dir of ['--dport', '--sport'])
      await iptAsync(['-A', CHAIN, '-p', 'tcp', '-d', '127.0.0.1/32', dir, String(port), '-j', 'DROP']);
  await iptAsync(['-I', 'OUTPUT', '1', '-j', CHAIN]);
}

/** Removes the partition: first the jump from OUTPUT (traffic flows again at once), then the chains. */
export async function heal(): Promise<void> {
  for (let i = 0; i < 10; i++) {
    try {
      await execFileAsync('iptables', ['-w', '5', '-D', 'OUTPUT', '-j', CHAIN], { timeout: 10_000 });
    } catch {
      break;
    }
  }
  clearStale();
}
