/**
 * Memory of Compute Engine machine types, from their names: predefined types are
 * `<family>-<standard|highmem|highcpu>-<vCPUs>` with a fixed GiB per vCPU, custom types
 * spell their memory out (`custom-8-65536`, `n2-custom-8-65536`).
 * https://cloud.google.com/compute/docs/machine-resource
 */

/** GiB per vCPU by family and shape; families not listed are not accepted. */
const gibPerVcpu: Record<string, Partial<Record<"standard" | "highmem" | "highcpu", number>>> = {
  e2: { standard: 4, highmem: 8, highcpu: 1 },
  n2: { standard: 4, highmem: 8, highcpu: 1 },
  n2d: { standard: 4, highmem: 8, highcpu: 1 },
  n4: { standard: 4, highmem: 8, highcpu: 2 },
  c3: { standard: 4, highmem: 8, highcpu: 2 },
  c3d: { standard: 4, highmem: 8, highcpu: 2 },
  c4: { standard: 3.75, highmem: 7.75, highcpu: 2 },
  t2d: { standard: 4 },
};

export interface MachineShape {
  vcpus: number;
  memoryMb: number;
}

/** vCPUs and memory of a machine type, or undefined when the name is not one this stack knows. */
export function machineShape(machineType: string): MachineShape | undefined {
  const custom = /^(?:(e2|n2|n2d|n4)-)?custom-(\d+)-(\d+)(?:-ext)?$/.exec(machineType);
  if (custom) return { vcpus: Number(custom[2]), memoryMb: Number(custom[3]) };
  const predefined = /^([a-z0-9]+)-(standard|highmem|highcpu)-(\d+)$/.exec(machineType);
  if (!predefined) return undefined;
  const perVcpu = gibPerVcpu[predefined[1]]?.[predefined[2] as "standard" | "highmem" | "highcpu"];
  if (perVcpu === undefined) return undefined;
  const vcpus = Number(predefined[3]);
  return { vcpus, memoryMb: Math.round(vcpus * perVcpu * 1024) };
}

export const machineFamilies = Object.keys(gibPerVcpu);
