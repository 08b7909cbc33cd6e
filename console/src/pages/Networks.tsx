// Networks: the project's own L2 networks (a VLAN each, on real switch config), imported site
// networks it may use; create one, put a node's NIC on one.
import { useState, type FormEvent } from 'react';
import { post } from '../api';
import type { Lease, Network, Node, Session } from '../types';
import { Empty, ErrorBox, Page, useData } from '../ui';

export function NetworksPage({ session }: { session: Session }) {
  const networks = useData<{ networks: Network[] }>('/api/v1/networks', 5000);
  const leases = useData<{ leases: Lease[] }>('/api/v1/leases');
  const nodes = useData<{ nodes: Node[] }>('/api/v1/nodes');
  const [project, setProject] = useState(session.who.projects[0] ?? '');
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState('');
  const [attach, setAttach] = useState({ node: '', nic: '', network: '' });
  const all = networks.data?.networks ?? [];
  async function create(e: FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      const n = await post<Network>('/api/v1/networks', { project, name });
      setNote(`Network ${n.name} created on VLAN ${n.vlan}.`);
      setName('');
      await networks.reload();
    } catch (err) {
      setError(err);
    }
  }
  const leased = (leases.data?.leases ?? []).filter((l) => l.active);
  const nicsOf = (id: string) => (nodes.data?.nodes ?? []).find((n) => n.id === id)?.identity?.macs ?? [];
  async function attachNic(e: FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      const lease = leased.find((l) => l.nodeId === attach.node);
      await post(`/api/v1/nodes/${attach.node}/nics/${encodeURIComponent(attach.nic)}/attach`, { network: attach.network, project: lease?.project });
      setNote(`NIC ${attach.nic} of node ${attach.node} is going onto ${attach.network}.`);
      await networks.reload();
    } catch (err) {
      setError(err);
    }
  }
  return (
    <Page title="Networks">
      <ErrorBox error={error ?? networks.error} />
      {note && <div className="note" role="status">{note}</div>}
      {networks.data && all.length === 0 ? <Empty>No network yet.</Empty> : (
        <table className="table" aria-label="Networks">
          <thead><tr><th>ID</th><th>Name</th><th>VLAN</th><th>Kind</th><th>Project</th><th>Shared with</th><th>NICs on it</th></tr></thead>
          <tbody>
            {all.map((n) => (
              <tr key={n.id}><td className="num">{n.id}</td><td>{n.name}</td><td className="num">{n.vlan}</td><td>{n.kind}</td>
                <td>{n.project || '(site)'}</td><td>{n.sharedWith.join(', ') || '-'}</td>
                <td>{(n.ports ?? []).map((p) => `node ${p.nodeId} ${p.nic}${p.tagged ? ' (tagged)' : ''}`).join(', ') || '-'}</td></tr>
            ))}
          </tbody>
        </table>
      )}
      {session.who.projects.length > 0 && (
        <div className="cols">
          <form className="form" onSubmit={create} aria-label="Create a network">
            <h2>Create a network</h2>
            <label>Project
              <select value={project} onChange={(e) => setProject(e.target.value)}>
                {session.who.projects.map((p) => <option key={p}>{p}</option>)}
              </select>
            </label>
            <label>Name <input value={name} onChange={(e) => setName(e.target.value)} required pattern="[a-z0-9][a-z0-9._\-]{0,62}" /></label>
            <div className="buttons"><button type="submit">Create</button></div>
          </form>
          <form className="form" onSubmit={attachNic} aria-label="Attach a NIC">
            <h2>Put a NIC on a network</h2>
            <label>Node
              <select value={attach.node} onChange={(e) => setAttach({ ...attach, node: e.target.value, nic: '' })} required>
                <option value="">choose</option>
                {leased.map((l) => <option key={l.nodeId} value={l.nodeId}>node {l.nodeId} ({l.project})</option>)}
              </select>
            </label>
            <label>NIC (name or MAC)
              <input list="nics" value={attach.nic} onChange={(e) => setAttach({ ...attach, nic: e.target.value })} required />
              <datalist id="nics">{nicsOf(attach.node).map((m) => <option key={m} value={m} />)}</datalist>
            </label>
            <label>Network
              <select value={attach.network} onChange={(e) => setAttach({ ...attach, network: e.target.value })} required>
                <option value="">choose</option>
                {all.map((n) => <option key={n.id} value={n.name}>{n.name} (VLAN {n.vlan})</option>)}
              </select>
            </label>
            <div className="buttons"><button type="submit">Attach</button></div>
          </form>
        </div>
      )}
    </Page>
  );
}
