// Allocations: the list, the "Request nodes" form, and the live progress view (server-sent
// events): every stage with its time, since the request and for its own step; on failure the
// step, the error in words and what was rolled back; release with its own live stages.
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { ApiFailure, followAllocation, get, post } from '../api';
import { applyAllocationEvent, enumWord, formatElapsed, formatTime, isFinal, parseFailure, stageRows, stageWords } from '../logic';
import { linkProps, navigate } from '../router';
import type { Allocation, HardwareClass, Network, Node, Project, Session, SlurmCluster } from '../types';
import { Badge, Empty, ErrorBox, Page, useData } from '../ui';

export function AllocationsPage() {
  const list = useData<{ allocations: Allocation[] }>('/api/v1/allocations', 3000);
  const all = [...(list.data?.allocations ?? [])].sort((a, b) => Number(b.id) - Number(a.id));
  return (
    <Page title="Allocations" actions={<button onClick={() => navigate('request')}>Request nodes</button>}>
      <ErrorBox error={list.error} />
      {list.data && all.length === 0 ? <Empty>No allocation yet.</Empty> : (
        <table className="table" aria-label="Allocations">
          <thead><tr><th>ID</th><th>Project</th><th>Nodes</th><th>Class</th><th>Handover</th><th>State</th><th>Stage</th><th>Requested</th><th>Owner</th></tr></thead>
          <tbody>
            {all.map((a) => (
              <tr key={a.id}>
                <td className="num"><a {...linkProps(`allocations/${a.id}`)}>{a.id}</a></td>
                <td>{a.project}</td>
                <td className="num">{a.count}</td>
                <td>{a.class || 'any'}</td>
                <td>{a.handover}</td>
                <td><Badge value={a.state} /></td>
                <td>{stageWords(a.stage)}</td>
                <td>{formatTime(a.createdAt)}</td>
                <td>{a.owner}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Page>
  );
}

export function RequestPage({ session }: { session: Session }) {
  const admin = session.who.role === 'admin';
  const projects = useData<{ projects: Project[] }>('/api/v1/projects');
  const classes = useData<{ classes: HardwareClass[] }>('/api/v1/classes', 5000);
  const networks = useData<{ networks: Network[] }>('/api/v1/networks');
  const clusters = useData<{ clusters: SlurmCluster[] }>('/api/v1/slurm-clusters');
  const projectNames = admin ? (projects.data?.projects ?? []).map((p) => p.name) : session.who.projects;
  const [project, setProject] = useState('');
  const [count, setCount] = useState(1);
  const [cls, setCls] = useState('');
  const [network, setNetwork] = useState('');
  const [handover, setHandover] = useState('none');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const p = project || projectNames[0] || '';
  const usable = (networks.data?.networks ?? []).filter((n) => n.project === p || n.sharedWith.includes(p));
  const hasCluster = (clusters.data?.clusters ?? []).some((c) => c.project === p);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const a = await post<Allocation>('/api/v1/allocations', { project: p, count, class: cls, network, handover });
      navigate(`allocations/${a.id}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  if (projectNames.length === 0 && projects.data) {
    return <Page title="Request nodes"><Empty>You are in no project yet: an operator adds you to one.</Empty></Page>;
  }
  return (
    <Page title="Request nodes">
      <form className="form" onSubmit={submit} aria-label="Request nodes">
        <label>Project
          <select name="project" value={p} onChange={(e) => { setProject(e.target.value); setNetwork(''); }}>
            {projectNames.map((n) => <option key={n}>{n}</option>)}
          </select>
        </label>
        <label>Nodes
          <input name="count" type="number" min={1} max={10000} value={count} onChange={(e) => setCount(Number(e.target.value))} required />
        </label>
        <label>Hardware class
          <select name="class" value={cls} onChange={(e) => setCls(e.target.value)}>
            <option value="">any node</option>
            {(classes.data?.classes ?? []).map((c) => <option key={c.name} value={c.name}>{c.name} ({c.freeNodes} free of {c.totalNodes})</option>)}
          </select>
        </label>
        <label>Network
          <select name="network" value={network} onChange={(e) => setNetwork(e.target.value)}>
            <option value="">none (stay on provisioning)</option>
            {usable.map((n) => <option key={n.id} value={n.name}>{n.name} (VLAN {n.vlan}{n.kind === 'external' ? ', imported' : ''})</option>)}
          </select>
        </label>
        <label>Handover
          <select name="handover" value={handover} onChange={(e) => setHandover(e.target.value)}>
            <option value="none">none: the nodes are yours</option>
            <option value="slurm" disabled={!hasCluster}>slurm: join the project's SLURM cluster{hasCluster ? '' : ' (none registered)'}</option>
          </select>
        </label>
        <ErrorBox error={error} />
        <div className="buttons">
          <button type="submit" disabled={busy || !p}>{busy ? 'Requesting…' : `Request ${count} node${count === 1 ? '' : 's'}`}</button>
        </div>
      </form>
    </Page>
  );
}

export function AllocationPage({ id }: { id: string }) {
  const [a, setA] = useState<Allocation | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [missing, setMissing] = useState(false);
  const [generation, setGeneration] = useState(0);  // follow again after a release
  const [live, setLive] = useState(false);
  useEffect(() => {
    let stop = () => {};
    let gone = false;
    get<Allocation>(`/api/v1/allocations/${encodeURIComponent(id)}`).then((first) => {
      if (gone) return;
      setA(first);
      if (isFinal(first)) return;
      setLive(true);
      stop = followAllocation(id, (data) => setA((cur) => applyAllocationEvent(cur, data)), () => {
        setLive(false);
        // the stream ends when the allocation is final: read it once more to be sure
        void get<Allocation>(`/api/v1/allocations/${encodeURIComponent(id)}`).then((x) => !gone && setA(x), () => {});
      });
    }, (e) => {
      if (e instanceof ApiFailure && e.status === 404) setMissing(true); else setError(e);
    });
    return () => { gone = true; stop(); };
  }, [id, generation]);
  const nodes = useData<{ nodes: Node[] }>(a ? '/api/v1/nodes' : null, live ? 2000 : 0);
  const mine = useMemo(() => (nodes.data?.nodes ?? []).filter((n) => a?.nodes.includes(n.id)), [nodes.data, a]);
  if (missing) return <Page title={`Allocation ${id}`}><Empty>Allocation {id} does not exist.</Empty></Page>;
  if (!a) return <Page title={`Allocation ${id}`}><ErrorBox error={error} />{!error && <p className="muted">Loading…</p>}</Page>;
  const rows = stageRows(a);
  const failure = a.state === 'failed' ? parseFailure(a.message) : null;
  async function release() {
    if (!window.confirm(`Release allocation ${a!.id}? Its nodes leave the project, are wiped and go back to the pool.`)) return;
    try {
      await post(`/api/v1/allocations/${a!.id}/release`);
      setGeneration((g) => g + 1);
    } catch (e) {
      setError(e);
    }
  }
  return (
    <Page title={`Allocation ${a.id}`}
          actions={(a.state === 'ready' || a.state === 'running') && <button className="danger" onClick={release}>Release</button>}>
      <div className="summary">
        <Badge value={a.state} />
        <span><b>{a.count}</b> × {a.class || 'any node'} for <b>{a.project}</b></span>
        {a.network && <span>network <b>{a.network}</b></span>}
        <span>handover <b>{a.handover}</b></span>
        <span className="muted">requested by {a.owner} at {formatTime(a.createdAt)}</span>
        {live && <span className="live" aria-live="polite">● live</span>}
      </div>
      <ErrorBox error={error} />
      {failure && (
        <div className="failure" role="alert">
          <h2>Failed{failure.step ? ` at “${stageWords(failure.step)}”` : ''}</h2>
          <p className="what">{failure.error}</p>
          {failure.rolledBack && <p><b>Rolled back:</b> {failure.rolledBack}</p>}
        </div>
      )}
      <ol className="stages" aria-label="Stages">
        {rows.map((r, i) => (
          <li key={i} className={r.failed ? 'failed' : r.stage === 'ready' || r.stage === 'released' ? 'done' : ''} data-stage={r.stage}>
            <span className="stage">{r.words}</span>
            <span className="at" title={r.at}>{formatTime(r.at)}</span>
            <span className="elapsed" title="since the request">+{formatElapsed(r.elapsedMs)}</span>
            <span className="step" title="this step took">{i === 0 ? '' : formatElapsed(r.stepMs)}</span>
            <span className="detail">{r.detail}</span>
          </li>
        ))}
        {!isFinal(a) && <li className="pending"><span className="stage">{a.state === 'releasing' ? 'Releasing…' : 'Working…'}</span></li>}
      </ol>
      <h2>Nodes</h2>
      {mine.length === 0 ? <Empty>{a.state === 'failed' || a.state === 'released' ? 'It holds no node any more: they were released.' : 'No node yet.'}</Empty> : (
        <table className="table" aria-label="Allocation nodes">
          <thead><tr><th>ID</th><th>Hostname</th><th>State</th><th>Power</th><th>Reason</th></tr></thead>
          <tbody>
            {mine.map((n) => (
              <tr key={n.id}><td className="num">{n.id}</td><td>{n.identity?.hostname || '-'}</td><td><Badge value={n.state} /></td>
                <td>{enumWord(n.powerState)}</td><td>{n.stateReason || '-'}</td></tr>
            ))}
          </tbody>
        </table>
      )}
      <p><a {...linkProps('allocations')}>← all allocations</a></p>
    </Page>
  );
}
