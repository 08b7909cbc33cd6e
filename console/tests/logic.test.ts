import { describe, expect, it } from 'vitest';
import { applyAllocationEvent, enumWord, formatElapsed, formatTime, hotpoolFlag, isFinal, nodeRows, parseFailure, routeOf,
         stageRows, stateTone } from '../src/logic';
import type { Allocation, HotpoolClass, Lease, Network, Node } from '../src/types';

const alloc = (over: Partial<Allocation> = {}): Allocation => ({
  id: '7', project: 'team-a', owner: 'alice', class: '', count: 3, network: '', handover: 'none', state: 'running', stage: 'reserved',
  message: '', createdAt: '2026-12-04T23:19:04.976Z', updatedAt: '', nodes: [], endsAt: '',
  stages: [
    { stage: 'requested', at: '2026-12-04T23:19:04.976Z', elapsedMs: '0', detail: '3 x any' },
    { stage: 'reserved', at: '2026-12-04T23:19:04.977Z', elapsedMs: '1', detail: 'nodes 1,2,3' },
  ],
  ...over,
});
const node = (id: string, over: Partial<Node> = {}): Node => ({
  id, state: 'NODE_STATE_AVAILABLE', powerState: 'POWER_STATE_ON', classes: [], stateReason: '', stateChangedAt: '', lastSeen: '',
  agentConnected: true, hotpoolTier: 'hot', identity: { hostname: `node0${id}`, vendor: '', product: '', serial: `SN${id}`, macs: [`02:00:00:00:00:0${id}`] },
  ...over,
});

describe('formatting', () => {
  it('gives elapsed times a unit a person reads at once', () => {
    expect(formatElapsed(0)).toBe('0 ms');
    expect(formatElapsed(95)).toBe('95 ms');
    expect(formatElapsed(2160)).toBe('2.160 s');
    expect(formatElapsed(65_000)).toBe('1 min 5 s');
    expect(formatElapsed(-1)).toBe('-');
    expect(formatElapsed(Number.NaN)).toBe('-');
  });
  it('shows UTC times as the API and bmfctl give them', () => {
    expect(formatTime('2026-12-04T23:19:04.976123Z')).toBe('2026-12-04 23:19:04.976');
    expect(formatTime('')).toBe('-');
  });
  it('reads protobuf enum names', () => {
    expect(enumWord('NODE_STATE_MAINTENANCE')).toBe('maintenance');
    expect(enumWord('POWER_STATE_OFF')).toBe('off');
    expect(stateTone('NODE_STATE_MAINTENANCE')).toBe('bad');
    expect(stateTone('active')).toBe('good');
    expect(stateTone('cleaning')).toBe('busy');
  });
});

describe('allocation progress', () => {
  it('gives each stage its time since the request and the time of its own step', () => {
    const a = alloc({ stages: [...alloc().stages, { stage: 'assigned', at: '2026-12-04T23:19:05.072Z', elapsedMs: '96', detail: 'network x' },
                                { stage: 'ready', at: '2026-12-04T23:19:07.136Z', elapsedMs: '2160', detail: '' }] });
    const rows = stageRows(a);
    expect(rows.map((r) => r.elapsedMs)).toEqual([0, 1, 96, 2160]);
    expect(rows.map((r) => r.stepMs)).toEqual([0, 1, 95, 2064]);
    expect(rows[1].words).toBe('Reserved for you');
    expect(rows[2].words).toBe("Assigned to the project's network");
    expect(rows.some((r) => r.failed)).toBe(false);
  });
  it('splits a failure into the step, the error and what was rolled back', () => {
    const f = parseFailure("step 'assigned' failed: switch leaf-1 failed: lock denied; nothing was changed; rolled back: leases of nodes 1,2 ended");
    expect(f).toEqual({ step: 'assigned', error: 'switch leaf-1 failed: lock denied; nothing was changed', rolledBack: 'leases of nodes 1,2 ended' });
    expect(parseFailure('not enough nodes')).toEqual({ step: '', error: 'not enough nodes', rolledBack: '' });
    expect(parseFailure('')).toBeNull();
  });
  it('knows when an allocation will not change any more', () => {
    expect(isFinal({ state: 'running' })).toBe(false);
    expect(isFinal({ state: 'releasing' })).toBe(false);
    expect(isFinal({ state: 'ready' })).toBe(true);
    expect(isFinal({ state: 'failed' })).toBe(true);
  });
  it('takes each server-sent event whole, ignores garbage, never goes back to fewer stages', () => {
    const first = alloc();
    const later = alloc({ stage: 'ready', state: 'ready', stages: [...first.stages, { stage: 'ready', at: '', elapsedMs: '5', detail: '' }] });
    expect(applyAllocationEvent(null, JSON.stringify(first))?.stages.length).toBe(2);
    expect(applyAllocationEvent(first, JSON.stringify(later))?.state).toBe('ready');
    expect(applyAllocationEvent(later, JSON.stringify(first))).toBe(later);
    expect(applyAllocationEvent(first, 'not json')).toBe(first);
    expect(applyAllocationEvent(first, '{"id":7}')).toBe(first);
  });
});

describe('nodes table', () => {
  const nodes = [node('1', { classes: ['gpu'] }), node('2', { state: 'NODE_STATE_ACTIVE' }), node('3', { state: 'NODE_STATE_MAINTENANCE' })];
  const leases: Lease[] = [
    { id: '9', nodeId: '2', project: 'team-a', owner: 'alice', active: true, endsAtMs: '0', createdAtMs: '1' },
    { id: '8', nodeId: '3', project: 'team-b', owner: 'bob', active: false, endsAtMs: '0', createdAtMs: '1' },
  ];
  const networks: Network[] = [{ id: '1', name: 'frontend', project: 'team-a', vlan: 100, kind: 'tenant', sharedWith: [],
                                 ports: [{ nodeId: '2', nic: 'eth0', tagged: false }] }];
  it('joins each node with its active lease and networks', () => {
    const rows = nodeRows(nodes, leases, networks);
    expect(rows.map((r) => r.node.id)).toEqual(['1', '2', '3']);
    expect(rows[1].project).toBe('team-a');
    expect(rows[1].networks).toEqual(['frontend (100)']);
    expect(rows[2].project).toBe('') ;  // an ended lease is not a holder
  });
  it('filters by state, class, project and a search over id, hostname, MAC and serial', () => {
    expect(nodeRows(nodes, leases, networks, { state: 'active' }).map((r) => r.node.id)).toEqual(['2']);
    expect(nodeRows(nodes, leases, networks, { cls: 'gpu' }).map((r) => r.node.id)).toEqual(['1']);
    expect(nodeRows(nodes, leases, networks, { project: 'team-a' }).map((r) => r.node.id)).toEqual(['2']);
    expect(nodeRows(nodes, leases, networks, { q: 'node03' }).map((r) => r.node.id)).toEqual(['3']);
    expect(nodeRows(nodes, leases, networks, { q: '00:01' }).map((r) => r.node.id)).toEqual(['1']);
    expect(nodeRows(nodes, leases, networks, { q: 'sn2' }).map((r) => r.node.id)).toEqual(['2']);
  });
});

describe('hotpool and routes', () => {
  const c = (over: Partial<HotpoolClass>): HotpoolClass => ({ class: 'any', hot: 2, warm: 1, target: 2, minHot: '0', maxHot: '-1', demand: 2,
    lastEmptyAt: '', poweringOn: 0, poweringOff: 0, bootSeconds: 0, total: 3, ...over });
  it('flags an empty class and one below its target', () => {
    expect(hotpoolFlag(c({}))).toBe('');
    expect(hotpoolFlag(c({ hot: 0, warm: 0 }))).toMatch(/^empty/);
    expect(hotpoolFlag(c({ hot: 1, poweringOn: 1 }))).toBe('below target (1 of 2 hot, 1 powering on)');
    expect(hotpoolFlag(c({ total: 0 }))).toBe('no nodes of this class');
  });
  it('reads the route from the URL', () => {
    expect(routeOf('/ui/')).toEqual([]);
    expect(routeOf('/ui/allocations/12')).toEqual(['allocations', '12']);
    expect(routeOf('/ui/nodes')).toEqual(['nodes']);
    expect(routeOf('/ui/a%20b')).toEqual(['a b']);
  });
});
