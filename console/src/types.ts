// The API's JSON (protobuf's own JSON mapping: lowerCamel names, 64-bit numbers as strings,
// enums by name, every field present). Only what the console reads.
export interface Whoami { user: string; role: string; projects: string[] }
export interface Session { who: Whoami; csrfToken: string; expiresAt: string }
export interface ApiError { code: string; message: string; details?: string }

export interface NodeIdentity { hostname: string; vendor: string; product: string; serial: string; macs: string[] }
export interface InventorySummary { cpuThreads: number; memoryBytes: string; nicCount: number; gpuCount: number; diskCount: number }
export interface Node {
  id: string;
  identity?: NodeIdentity;
  inventory?: InventorySummary;
  state: string;
  powerState: string;
  classes: string[];
  stateReason: string;
  stateChangedAt: string;
  lastSeen: string;
  agentConnected: boolean;
  hotpoolTier: string;
}
export interface Lease { id: string; nodeId: string; project: string; owner: string; active: boolean; endsAtMs: string; createdAtMs: string }
export interface AllocationStage { stage: string; at: string; elapsedMs: string; detail: string }
export interface Allocation {
  id: string;
  project: string;
  owner: string;
  class: string;
  count: number;
  network: string;
  handover: string;
  state: string;
  stage: string;
  message: string;
  createdAt: string;
  updatedAt: string;
  stages: AllocationStage[];
  nodes: string[];
  endsAt: string;
}
export interface NetworkPort { nodeId: string; nic: string; tagged: boolean }
export interface Network { id: string; name: string; project: string; vlan: number; kind: string; sharedWith: string[]; ports: NetworkPort[] }
export interface HardwareClass { name: string; freeNodes: number; totalNodes: number }
export interface HotpoolClass {
  class: string; hot: number; warm: number; target: number; minHot: string; maxHot: string; demand: number;
  lastEmptyAt: string; poweringOn: number; poweringOff: number; bootSeconds: number; total: number;
}
export interface Event { id: string; time: string; actor: string; nodeId: string; kind: string; message: string; project: string }
export interface Switch { name: string; address: string; port: number; driver: string; unusedPorts: string; parkingVlan: number }
export interface Project { name: string; quotaNodes?: string; nodesInUse: string; members: string[] }
export interface SlurmCluster { name: string; project: string; controller: string; network: string }
