// Nodes: a tenant's leased nodes (the API shows nothing else), or every node for operators,
// with filters and search kept in the URL.
import { useState } from 'react';
import { post } from '../api';
import { bytesGiB, enumWord, formatTime, nodeRows } from '../logic';
import { navigate, useRoute } from '../router';
import type { Lease, Network, Node, Session } from '../types';
import { Badge, Empty, ErrorBox, Page, useData } from '../ui';

const STATES = ['enrolling', 'inspecting', 'available', 'allocated', 'active', 'releasing', 'cleaning', 'maintenance', 'failed', 'unreachable'];

export function NodesPage({ session }: { session: Session }) {
  const admin = session.who.role === 'admin';
  const { query } = useRoute();
  const nodes = useData<{ nodes: Node[] }>('/api/v1/nodes', 3000);
  const leases = useData<{ leases: Lease[] }>('/api/v1/leases', 3000);
  const networks = useData<{ networks: Network[] }>('/api/v1/networks', 5000);
  const [error, setError] = useState<unknown>(null);
  const filter = { state: query.get('state') ?? '', cls: query.get('class') ?? '', project: query.get('project') ?? '', q: query.get('q') ?? '' };
  const set = (k: string, v: string) => {
    const q = new URLSearchParams(query);
    if (v) q.set(k, v); else q.delete(k);
    const s = q.toString();
    navigate(`nodes${s ? `?${s}` : ''}`, { replace: true });
  };
  const all = nodes.data?.nodes ?? [];
  const rows = nodeRows(all, leases.data?.leases ?? [], networks.data?.networks ?? [], filter);
  const classes = [...new Set(all.flatMap((n) => n.classes))].sort();
  const projects = [...new Set((leases.data?.leases ?? []).map((l) => l.project))].sort();
  async function release(id: string) {
    if (!window.confirm(`Release node ${id}? It leaves your project, is wiped and goes back to the pool.`)) return;
    try {
      await post(`/api/v1/nodes/${id}/release`);
      await Promise.all([nodes.reload(), leases.reload()]);
    } catch (e) {
      setError(e);
    }
  }
  return (
    <Page title={admin ? 'All nodes' : 'Your nodes'} actions={<button onClick={() => navigate('request')}>Request nodes</button>}>
      <div className="filters" role="search">
        <label>State
          <select value={filter.state} onChange={(e) => set('state', e.target.value)}>
            <option value="">any</option>
            {STATES.map((s) => <option key={s}>{s}</option>)}
          </select>
        </label>
        <label>Class
          <select value={filter.cls} onChange={(e) => set('class', e.target.value)}>
            <option value="">any</option>
            {classes.map((c) => <option key={c}>{c}</option>)}
          </select>
        </label>
        {admin && (
          <label>Project
            <select value={filter.project} onChange={(e) => set('project', e.target.value)}>
              <option value="">any</option>
              {projects.map((p) => <option key={p}>{p}</option>)}
            </select>
          </label>
        )}
        <label className="grow">Search <input type="search" placeholder="id, hostname, MAC, serial" value={filter.q}
                                              onChange={(e) => set('q', e.target.value)} /></label>
        <span className="muted">{rows.length} of {all.length}</span>
      </div>
      <ErrorBox error={error ?? nodes.error} />
      {nodes.data && rows.length === 0 ? (
        <Empty>{all.length === 0 ? (admin ? 'No node has registered yet.' : 'Your projects hold no nodes. Request some.') : 'No node matches.'}</Empty>
      ) : (
        <table className="table" aria-label="Nodes">
          <thead>
            <tr><th>ID</th><th>Hostname</th><th>State</th><th>Power</th><th>Class</th><th>CPUs / memory / GPUs</th>
              <th>Project</th><th>Networks</th><th>Lease ends</th><th>Last seen</th><th /></tr>
          </thead>
          <tbody>
            {rows.map(({ node, project, lease, networks: nets }) => (
              <tr key={node.id} data-node={node.id}>
                <td className="num">{node.id}</td>
                <td>{node.identity?.hostname || '-'}</td>
                <td><Badge value={node.state} title={node.stateReason || undefined} />
                  {node.hotpoolTier && <span className="tier">{node.hotpoolTier}</span>}
                  {node.stateReason && <div className="reason">{node.stateReason}</div>}</td>
                <td>{enumWord(node.powerState) || '-'}</td>
                <td>{node.classes.join(', ') || '-'}</td>
                <td>{node.inventory?.cpuThreads ?? '-'} / {bytesGiB(node.inventory?.memoryBytes ?? 0)} / {node.inventory?.gpuCount ?? 0}</td>
                <td>{project || '-'}</td>
                <td>{nets.join(', ') || '-'}</td>
                <td>{lease ? (Number(lease.endsAtMs) ? formatTime(new Date(Number(lease.endsAtMs)).toISOString()) : 'held') : '-'}</td>
                <td>{formatTime(node.lastSeen)}</td>
                <td>{lease && enumWord(node.state) === 'active' && <button className="small" onClick={() => release(node.id)}>Release</button>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Page>
  );
}
