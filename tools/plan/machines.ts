/**
 * The VMs a plan runs, however it declares them: a VM (gcp.compute.Instance) is one; a
 * managed instance group is its template times its target size. The cost estimate and
 * the quota check count from here.
 */
import { regionOfZone } from "../../lib/naming";
import { Plan } from "./run";

export interface PlannedMachines {
  /** The VM's or the group's logical name. */
  name: string;
  region: string;
  machineType: string;
  /** How many VMs: 1, or the group's target size. */
  count: number;
  /** Each VM's boot disk. */
  boot?: { type: string; size: number };
  /** Each VM's other disks a template creates (a VM's own disks are gcp.compute.Disk resources); `scheduled`: on a snapshot schedule. */
  disks: { type: string; size: number; scheduled: boolean }[];
  /** Each VM has an external address. */
  external: boolean;
  /** A managed instance group (which keeps each node's address: the group makes it static). */
  group: boolean;
}

type Inputs = Record<string, any>;
const hasExternal = (nics: unknown) => ((nics ?? []) as { accessConfigs?: unknown[] }[]).some((nic) => nic.accessConfigs?.length);

export function plannedMachines(plan: Plan): PlannedMachines[] {
  const of = (type: string) => plan.resources.filter((resource) => resource.type === type);
  const machines: PlannedMachines[] = of("gcp:compute/instance:Instance").map((vm) => {
    const boot = (vm.inputs.bootDisk as Inputs | undefined)?.initializeParams;
    return {
      name: vm.name,
      region: regionOfZone(String(vm.inputs.zone)),
      machineType: String(vm.inputs.machineType),
      count: 1,
      boot: boot?.size && boot.type ? { type: String(boot.type), size: Number(boot.size) } : undefined,
      disks: [],
      external: hasExternal(vm.inputs.networkInterfaces),
      group: false,
    };
  });
  const templates = of("gcp:compute/instanceTemplate:InstanceTemplate");
  for (const group of of("gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager")) {
    // The template the group's version names (the plan records references by URN); the only one otherwise.
    const used = JSON.stringify(group.inputDependencies.versions ?? []);
    const template = templates.find((t) => used.includes(t.urn)) ?? (templates.length === 1 ? templates[0] : undefined);
    if (!template) continue;
    const disks = (template.inputs.disks ?? []) as Inputs[];
    const boot = disks.find((disk) => disk.boot);
    machines.push({
      name: group.name,
      region: String(group.inputs.region),
      machineType: String(template.inputs.machineType),
      count: Number(group.inputs.targetSize ?? 0),
      boot: boot ? { type: String(boot.diskType ?? "pd-standard"), size: Number(boot.diskSizeGb) } : undefined,
      disks: disks.filter((disk) => !disk.boot).map((disk) => ({ type: String(disk.diskType ?? "pd-standard"), size: Number(disk.diskSizeGb), scheduled: !!disk.resourcePolicies })),
      external: hasExternal(template.inputs.networkInterfaces),
      group: true,
    });
  }
  return machines;
}
