// Operators: the hotpool per class, switches (and a drift check), recent events.
import { useState } from 'react';
import { get, post } from '../api';
import { formatTime, hotpoolFlag } from '../logic';
import type { Event, HotpoolClass, Switch } from '../types';
import { Empty, ErrorBox, Page, useData } from '../ui';

export function HotpoolPage() {
  const pool = useData<{ classes: HotpoolClass[] }>('/api/v1/hotpool', 2000);
  const classes = pool.data?.classes ?? [];
  return (
    <Page title="Hotpool">
      <p className="muted">Hot: free, powered on, agent up — allocatable at once. Warm: free, powered off. The target follows
        demand (the busiest 10 minutes of the last hour) within the operator's bounds.</p>
      <ErrorBox error={pool.error} />
      {pool.data && classes.length === 0 ? <Empty>No hardware class is defined.</Empty> : (
        <table className="table" aria-label="Hotpool">
          <thead><tr><th>Class</th><th>Hot</th><th>Warm</th><th>Target</th><th>Bounds</th><th>Demand</th><th>Powering on / off</th>
            <th>Boot</th><th>Total</th><th>Last empty</th><th>Flag</th></tr></thead>
          <tbody>
            {classes.map((c) => {
              const flag = hotpoolFlag(c);
              return (
                <tr key={c.class} className={flag ? 'flagged' : ''} data-class={c.class}>
                  <td>{c.class}</td><td className="num hot">{c.hot}</td><td className="num">{c.warm}</td><td className="num">{c.target}</td>
                  <td>{c.minHot} – {Number(c.maxHot) < 0 ? '∞' : c.maxHot}</td><td className="num">{c.demand}</td>
                  <td>{c.poweringOn} / {c.poweringOff}</td><td>{c.bootSeconds ? `${c.bootSeconds.toFixed(1)} s` : '-'}</td>
                  <td className="num">{c.total}</td><td>{formatTime(c.lastEmptyAt)}</td><td className="flag">{flag || 'ok'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </Page>
  );
}

interface Operation { id: string; state: string; message: string; detail: string }

export function SwitchesPage() {
  const switches = useData<{ switches: Switch[] }>('/api/v1/switches');
  const [checks, setChecks] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  async function check(name: string) {
    setChecks((c) => ({ ...c, [name]: 'checking…' }));
    try {
      let op = await post<Operation>(`/api/v1/switches/${encodeURIComponent(name)}/check`);
      for (let i = 0; i < 60 && (op.state === 'pending' || op.state === 'running'); ++i) {
        await new Promise((r) => setTimeout(r, 500));
        op = await get<Operation>(`/api/v1/operations/${encodeURIComponent(op.id)}`);
      }
      setChecks((c) => ({ ...c, [name]: `${op.state}: ${op.message}` }));
    } catch (e) {
      setError(e);
    }
  }
  const all = switches.data?.switches ?? [];
  return (
    <Page title="Switches">
      <ErrorBox error={error ?? switches.error} />
      {switches.data && all.length === 0 ? <Empty>No switch is managed.</Empty> : (
        <table className="table" aria-label="Switches">
          <thead><tr><th>Name</th><th>Address</th><th>Driver</th><th>Unused ports</th><th>Drift</th><th /></tr></thead>
          <tbody>
            {all.map((s) => (
              <tr key={s.name}><td>{s.name}</td><td>{s.address}:{s.port || 830}</td><td>{s.driver}</td>
                <td>{s.unusedPorts}{s.parkingVlan ? ` (VLAN ${s.parkingVlan})` : ''}</td>
                <td className="drift">{checks[s.name] ?? '-'}</td>
                <td><button className="small" onClick={() => check(s.name)}>Check drift</button></td></tr>
            ))}
          </tbody>
        </table>
      )}
    </Page>
  );
}

export function EventsPage() {
  const events = useData<{ events: Event[] }>('/api/v1/events?limit=200', 3000);
  const all = events.data?.events ?? [];
  return (
    <Page title="Recent events">
      <ErrorBox error={events.error} />
      {events.data && all.length === 0 ? <Empty>Nothing happened yet.</Empty> : (
        <table className="table" aria-label="Events">
          <thead><tr><th>Time</th><th>Kind</th><th>Node</th><th>Project</th><th>Actor</th><th>What</th></tr></thead>
          <tbody>
            {all.map((e) => (
              <tr key={e.id}><td className="nowrap">{formatTime(e.time)}</td><td className="mono">{e.kind}</td>
                <td className="num">{Number(e.nodeId) || '-'}</td><td>{e.project || '-'}</td><td>{e.actor}</td><td>{e.message}</td></tr>
            ))}
          </tbody>
        </table>
      )}
    </Page>
  );
}
