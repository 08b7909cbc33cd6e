// The console's rules, kept pure so they are unit-tested (tests/logic.test.ts).
import type { Allocation, Node, Lease, HotpoolClass, Network } from './types';

/** 1234 -> "1.234 s", 65000 -> "1 min 5 s", 0 -> "0 ms". */
export function formatElapsed(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(3)} s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return `${m} min ${s} s`;
}

/** RFC 3339 -> "2026-12-04 23:19:04.976" (UTC, as the API and bmfctl give it). */
export function formatTime(rfc3339: string): string {
  if (!rfc3339) return '-';
  return rfc3339.replace('T', ' ').replace(/Z$/, '').replace(/(\.\d{3})\d*/, '$1');
}

const STAGE_WORDS: Record<string, string> = {
  requested: 'Requested',
  reserved: 'Reserved for you',
  powering_on: 'Powering on',
  powered_on: 'Powered on',
  replaced: 'Node replaced',
  assigning: 'Assigning to the project network',
  assigned: "Assigned to the project's network",
  handing_over: 'Handing over',
  ready: 'Ready',
  failed: 'Failed',
  releasing: 'Releasing',
  leaving: 'Leaving the handover',
  left: 'Left the handover',
  ports_released: 'Ports back to provisioning',
  cleaning: 'Cleaning',
  released: 'Released',
};
export function stageWords(stage: string): string {
  return STAGE_WORDS[stage] ?? stage.replace(/_/g, ' ');
}

export function isFinal(a: Pick<Allocation, 'state'>): boolean {
  return a.state !== 'running' && a.state !== 'releasing';
}

export interface StageRow { stage: string; words: string; at: string; elapsedMs: number; stepMs: number; detail: string; failed: boolean }
/** The stages as rows: when each happened, since the request, and how long its step took. */
export function stageRows(a: Allocation): StageRow[] {
  let prev = 0;
  return a.stages.map((s) => {
    const elapsed = Number(s.elapsedMs) || 0;
    const row = { stage: s.stage, words: stageWords(s.stage), at: s.at, elapsedMs: elapsed, stepMs: Math.max(0, elapsed - prev),
                  detail: s.detail, failed: s.stage === 'failed' };
    prev = elapsed;
    return row;
  });
}

export interface Failure { step: string; error: string; rolledBack: string }
/** "step 'assigned' failed: switch leaf-1 failed: ...; rolled back: leases ..." -> its parts. */
export function parseFailure(message: string): Failure | null {
  if (!message) return null;
  const m = /^step '([^']+)' failed: (.*)$/s.exec(message);
  const body = m ? m[2] : message;
  const cut = body.lastIndexOf('; rolled back: ');
  return {
    step: m ? m[1] : '',
    error: cut >= 0 ? body.slice(0, cut) : body,
    rolledBack: cut >= 0 ? body.slice(cut + '; rolled back: '.length) : '',
  };
}

/** NODE_STATE_AVAILABLE -> available, POWER_STATE_ON -> on. */
export function enumWord(v: string): string {
  return (v ?? '').replace(/^(NODE_STATE_|POWER_STATE_)/, '').toLowerCase();
}

export type Tone = 'good' | 'busy' | 'bad' | 'idle';
export function stateTone(state: string): Tone {
  switch (enumWord(state)) {
    case 'available': case 'active': case 'ready': case 'released': return 'good';
    case 'allocated': case 'releasing': case 'cleaning': case 'inspecting': case 'enrolling': case 'running': return 'busy';
    case 'maintenance': case 'failed': case 'unreachable': return 'bad';
    default: return 'idle';
  }
}

export interface NodeFilter { state?: string; cls?: string; project?: string; q?: string }
export interface NodeRow { node: Node; project: string; lease?: Lease; networks: string[] }
/** Nodes joined with their active lease and networks, then filtered; search matches id, hostname, MAC, serial. */
export function nodeRows(nodes: Node[], leases: Lease[], networks: Network[], f: NodeFilter = {}): NodeRow[] {
  const leaseOf = new Map<string, Lease>();
  for (const l of leases) if (l.active) leaseOf.set(l.nodeId, l);
  const netsOf = new Map<string, string[]>();
  for (const n of networks) for (const p of n.ports ?? []) netsOf.set(p.nodeId, [...(netsOf.get(p.nodeId) ?? []), `${n.name} (${n.vlan})`]);
  const q = (f.q ?? '').trim().toLowerCase();
  return nodes
    .map((node) => ({ node, lease: leaseOf.get(node.id), project: leaseOf.get(node.id)?.project ?? '', networks: netsOf.get(node.id) ?? [] }))
    .filter((r) => !f.state || enumWord(r.node.state) === f.state)
    .filter((r) => !f.cls || r.node.classes.includes(f.cls))
    .filter((r) => !f.project || r.project === f.project)
    .filter((r) => {
      if (!q) return true;
      const id = r.node.identity;
      return [r.node.id, id?.hostname, id?.serial, ...(id?.macs ?? [])].some((s) => (s ?? '').toLowerCase().includes(q));
    })
    .sort((a, b) => Number(a.node.id) - Number(b.node.id));
}

/** A class is flagged when nothing is hot and demand or the target wants some, or it emptied recently. */
export function hotpoolFlag(c: HotpoolClass): string {
  if (c.total === 0) return 'no nodes of this class';
  if (c.hot === 0 && c.warm === 0) return 'empty: every node is in use or out of service';
  if (c.hot < c.target) return `below target (${c.hot} of ${c.target} hot${c.poweringOn ? `, ${c.poweringOn} powering on` : ''})`;
  return '';
}

/** "/ui/allocations/12?x" -> ["allocations", "12"]. */
export function routeOf(pathname: string): string[] {
  const rest = pathname.startsWith('/ui/') ? pathname.slice(4) : pathname === '/ui' ? '' : pathname.replace(/^\//, '');
  return rest.split('/').filter(Boolean).map(decodeURIComponent);
}

export function bytesGiB(bytes: string | number): string {
  const n = Number(bytes);
  if (!n) return '-';
  return `${Math.round(n / 2 ** 30)} GiB`;
}

/** Server-sent events come as text: each "data:" block is one whole Allocation. */
export function applyAllocationEvent(current: Allocation | null, data: string): Allocation | null {
  try {
    const next = JSON.parse(data) as Allocation;
    if (!next || typeof next.id !== 'string') return current;
    if (current && current.id === next.id && current.stages.length > next.stages.length) return current;  // never go back
    return next;
  } catch {
    return current;
  }
}
