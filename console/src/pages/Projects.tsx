// Projects: the caller's projects (all of them for operators) with their quotas and what is in use.
import type { Project } from '../types';
import { Empty, ErrorBox, Page, useData } from '../ui';

const quota = (q: string | undefined) => (q === undefined || Number(q) < 0 ? '∞' : q);

export function ProjectsPage() {
  const projects = useData<{ projects: FullProject[] }>('/api/v1/projects', 5000);
  const all = projects.data?.projects ?? [];
  return (
    <Page title="Projects">
      <ErrorBox error={projects.error} />
      {projects.data && all.length === 0 ? <Empty>You are in no project yet: an operator adds you to one.</Empty> : (
        <table className="table" aria-label="Projects">
          <thead><tr><th>Project</th><th>Nodes in use / quota</th><th>Networks in use / quota</th><th>By class</th><th>Members</th></tr></thead>
          <tbody>
            {all.map((p) => (
              <tr key={p.name}>
                <td>{p.name}</td>
                <td className="num">{p.nodesInUse} / {quota(p.quotaNodes)}</td>
                <td className="num">{p.networksInUse} / {quota(p.quotaNetworks)}</td>
                <td>{Object.entries(p.classQuotas ?? {}).map(([c, q]) => `${c}: ${p.classInUse?.[c] ?? 0} / ${quota(q)}`).join(', ') || '-'}</td>
                <td>{p.members.join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Page>
  );
}

interface FullProject extends Project {
  quotaNetworks?: string;
  networksInUse: string;
  classQuotas?: Record<string, string>;
  classInUse?: Record<string, string>;
}
