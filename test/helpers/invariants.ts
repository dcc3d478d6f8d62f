/** What must hold of every table decide() returns, whatever happened before (DESIGN §4). */
import { isRunning, type ReplicaTable, wantedRunning } from '../../src/replica-manager/table.js';

export function checkInvariants(table: ReplicaTable): string[] {
  const broken: string[] = [];
  const up = new Set(table.hosts.filter((h) => h.up).map((h) => h.name));
  for (const m of table.modules) {
    const running = m.replicas.filter((r) => isRunning(r.status));
    const primaries = running.filter((r) => r.status === 'P').length;
    if (m.style !== 'hot' && primaries > 1) broken.push(`${m.name}: ${primaries} primaries`);
    if (m.style === 'hot' && running.some((r) => r.status !== 'P'))
      broken.push(`${m.name}: a running hot copy is not P`);
    if (m.style === 'cold' && running.some((r) => r.status === 'B'))
      broken.push(`${m.name}: a cold module has a backup`);
    for (const r of running) if (!up.has(r.host)) broken.push(`${r.id} runs on ${r.host}, which is down`);
    const possible = m.replicas.filter((r) => up.has(r.host)).length;
    const wanted = Math.min(wantedRunning(m), possible);
    if (running.length !== wanted)
      broken.push(`${m.name}: ${running.length} running, ${wanted} wanted (${possible} on live hosts)`);
    if (m.underReplicated !== running.length < wantedRunning(m))
      broken.push(`${m.name}: underReplicated is ${m.underReplicated}`);
    if (m.style === 'warm' && running.length > 0 && primaries !== 1)
      broken.push(`${m.name}: warm copies run without a primary`);
  }
  return broken;
}
