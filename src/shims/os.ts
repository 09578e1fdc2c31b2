import type { createProcess } from './process';

/**
 * The sandbox's `os`: the few facts code asks a Lambda environment for (tmpdir, EOL, platform,
 * memory). Nothing here is read from the host.
 */
export function createOs(proc: ReturnType<typeof createProcess>) {
  const memoryBytes = () => Number(proc.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE || 128) * 1024 * 1024;
  const cpu = { model: 'islet', speed: 0, times: { user: 0, nice: 0, sys: 0, idle: 0, irq: 0 } };
  return {
    EOL: '\n',
    devNull: '/dev/null',
    constants: Object.freeze({
      signals: Object.freeze({}),
      errno: Object.freeze({}),
      priority: Object.freeze({}),
    }),
    tmpdir: () => '/tmp',
    homedir: () => proc.env.HOME || '/home/sbx_user1051',
    hostname: () => 'localhost',
    platform: () => 'linux',
    type: () => 'Linux',
    arch: () => 'x64',
    machine: () => 'x86_64',
    release: () => '5.10.0',
    version: () => '#1 SMP',
    endianness: () => 'LE',
    uptime: () => proc.uptime(),
    loadavg: () => [0, 0, 0],
    totalmem: memoryBytes,
    freemem: memoryBytes,
    availableParallelism: () => 1,
    cpus: () => [{ ...cpu, times: { ...cpu.times } }],
    networkInterfaces: () => ({}),
    userInfo: () => ({
      uid: 993,
      gid: 990,
      username: 'sbx_user1051',
      homedir: '/home/sbx_user1051',
      shell: null,
    }),
    getPriority: () => 0,
    setPriority: () => undefined,
  };
}
