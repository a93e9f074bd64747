/**
 * postgresql.conf memory settings derived from a member's memory limit, the way the usual tuning
 * tables (pgtune and PostgreSQL's own guidance) do it for a dedicated database host:
 * shared_buffers 25%, effective_cache_size 75%, maintenance_work_mem 1/16 (at most 2 GiB), and
 * work_mem = (memory - shared_buffers) / (3 × max_connections), at least 1 MiB.
 * Any of them can be overridden with pgstack:postgresql.
 */
export function derivedMemorySettings(memoryMb: number, maxConnections: number): Record<string, string> {
  const sharedBuffersMb = Math.floor(memoryMb / 4);
  const workMemKb = Math.max(1024, Math.floor(((memoryMb - sharedBuffersMb) * 1024) / (3 * maxConnections)));
  return {
    shared_buffers: `${sharedBuffersMb}MB`,
    effective_cache_size: `${Math.floor((memoryMb * 3) / 4)}MB`,
    maintenance_work_mem: `${Math.min(2048, Math.max(16, Math.floor(memoryMb / 16)))}MB`,
    work_mem: `${workMemKb}kB`,
  };
}
