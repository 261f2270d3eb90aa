import { availableParallelism, cpus, loadavg, totalmem, platform, release } from 'node:os';

export interface MachineInfo {
  node: string;
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  platform: string;
  date: string;
  loadAverage: [number, number, number];
}

/** What the results depend on; taken at the start of a run (load average: 1, 5 and 15 minutes). */
export function machineInfo(): MachineInfo {
  const [one, five, fifteen] = loadavg();
  return {
    node: process.version,
    cores: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    platform: `${platform()} ${release()}`,
    date: new Date().toISOString(),
    loadAverage: [one, five, fifteen],
  };
}

export function loadAverageText(load: readonly number[] = loadavg()): string {
  return load.map((v) => v.toFixed(2)).join(' / ');
}
