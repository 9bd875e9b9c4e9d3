import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * CPU time spent by this node process (every thread: the load generator, the HTTP adapter, the Lambda
 * containers, the stream pollers) and by DynamoDB Local's java process, so the bench can say what each
 * request cost the machine and how many cores were busy, not only how fast it went.
 */
export interface CpuSnapshot {
  nodeMs: number;
  /** null where /proc is not there to read (not Linux). */
  javaMs: number | null;
  atMs: number;
}

export interface CpuSpent {
  nodeMs: number;
  javaMs: number | null;
  wallMs: number;
}

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** utime + stime of a process from /proc/<pid>/stat, in ms (fields 14 and 15, counted after the command). */
function processCpuMs(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1000) / clockTicks() : null;
  } catch {
    return null;
  }
}

export function cpuSnapshot(javaPid: number): CpuSnapshot {
  const { user, system } = process.cpuUsage();
  return { nodeMs: (user + system) / 1000, javaMs: processCpuMs(javaPid), atMs: performance.now() };
}

export function cpuSince(start: CpuSnapshot, javaPid: number): CpuSpent {
  const end = cpuSnapshot(javaPid);
  return {
    nodeMs: end.nodeMs - start.nodeMs,
    javaMs: end.javaMs === null || start.javaMs === null ? null : end.javaMs - start.javaMs,
    wallMs: end.atMs - start.atMs,
  };
}
