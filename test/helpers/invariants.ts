/** What must hold of every table decide() returns, whatever happened before (DESIGN §4, §12). */
import { isRunning, type ReplicaTable, wantedRunning } from '../../src/model/table.js';

export function checkInvariants(table: ReplicaTable): string[] {
  const broken: string[] = [];
  const up = new Set(table.hosts.filter((h) => h.up).map((h) => h.name));
  const placeable = new Set(table.hosts.filter((h) => h.up && !h.drained).map((h) => h.name));
  for (const m of table.modules) {
    const running = m.replicas.filter((r) => isRunning(r.status));
    const primaries = running.filter((r) => r.status === 'P').length;
    if (m.style !== 'hot' && primaries > 1) broken.push(`${m.name}: ${primaries} primaries`);
    if (m.style === 'hot' && running.some((r) => r.status !== 'P'))
      broken.push(`${m.name}: a running hot copy is not P`);
    if (m.style === 'cold' && running.some((r) => r.status === 'B'))
      broken.push(`${m.name}: a cold module has a backup`);
    for (const r of running) if (!up.has(r.host)) broken.push(`${r.id} runs on ${r.host}, which is down`);
    // A copy whose start was refused is never shown as running (the table says only what runs).
    for (const r of m.replicas)
      if (r.unusable !== undefined && r.status !== 'I')
        broken.push(`${r.id} cannot start, yet is ${r.status}`);
    if (m.switchover) {
      // The table keeps the old primary until it has stepped down: it is the only one meanwhile.
      const from = m.replicas.find((r) => r.id === m.switchover?.from);
      if (from?.status !== 'P' || primaries !== 1)
        broken.push(`${m.name}: a switchover waits, but its old primary is not the one primary`);
      if (!from || !up.has(from.host)) broken.push(`${m.name}: a switchover waits for a copy that is gone`);
    }
    if (m.underReplicated !== running.length < wantedRunning(m))
      broken.push(`${m.name}: underReplicated is ${m.underReplicated}`);
    if (m.lagHold && primaries > 0) broken.push(`${m.name}: a fail-over held for lag, yet a primary runs`);
    // A paused module is not failed over: it may run short, or without its primary. Nor is one
    // whose fail-over is held because no backup is within its lag limit.
    if (m.paused || m.lagHold) continue;
    if (m.held) broken.push(`${m.name}: held failures outside maintenance mode`);
    // Copies on a drained host may run beside their replacements only while a primary hands over.
    const onDrained = running.filter((r) => up.has(r.host) && !placeable.has(r.host)).length;
    const count = running.length;
    // Nothing is placed on a drained host, nor a copy whose start was refused; a copy already running
    // on a drained host counts until it can leave.
    const possible = m.replicas.filter(
      (r) => (placeable.has(r.host) && r.unusable === undefined) || (up.has(r.host) && isRunning(r.status)),
    ).length;
    const wanted = Math.min(wantedRunning(m), possible);
    const extra = m.switchover || onDrained > 0 ? 1 : 0;
    if (count < wanted || count > Math.max(wanted, wantedRunning(m)) + extra)
      broken.push(
        `${m.name}: ${count} running, ${wanted} wanted (${possible} on live, undrained hosts or running)`,
      );
    if (m.style === 'warm' && running.length > 0 && primaries !== 1)
      broken.push(`${m.name}: warm copies run without a primary`);
  }
  return broken;
}
