/**
 * A mock resource monitor that remembers what the program registers: the same
 * requests the Pulumi engine would receive, with their options (parent, protect,
 * dependsOn, ...), which the runtime's plain mocks do not show.
 */
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";

export const secretText = "[secret]";
export const unknownText = "[unknown]";

export interface PlannedResource {
  urn: string;
  type: string;
  name: string;
  /** URN of the parent resource; absent for the stack itself. */
  parent?: string;
  custom: boolean;
  /** Inputs as sent to the engine; secrets are "[secret]", resource references their URN. */
  inputs: Record<string, unknown>;
  protect: boolean;
  /** Explicit dependsOn (URNs), beyond the dependencies implied by inputs. */
  dependsOn: string[];
  /** Which resources each input depends on (URNs). */
  inputDependencies: Record<string, string[]>;
  deleteBeforeReplace?: boolean;
  ignoreChanges?: string[];
  replaceOnChanges?: string[];
  retainOnDelete?: boolean;
  additionalSecretOutputs?: string[];
  deletedWith?: string;
  /** Names it had before (`aliases`): URNs, or `::<name>` for an alias by name. */
  aliases?: string[];
}

/** Turns the engine's wire form into plain JSON a reviewer can read, hiding secrets. */
export function plainValue(value: unknown): unknown {
  if (value === pulumi.runtime.unknownValue) return unknownText;
  if (Array.isArray(value)) return value.map(plainValue);
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    const signature = record[pulumi.runtime.specialSigKey];
    if (signature === pulumi.runtime.specialSecretSig) return secretText;
    if (signature === pulumi.runtime.specialResourceSig) return record.urn;
    if (signature !== undefined) return `[${Object.keys(record).filter((k) => k !== pulumi.runtime.specialSigKey).join(",") || "special value"}]`;
    return Object.fromEntries(Object.entries(record).map(([key, inner]) => [key, plainValue(inner)]));
  }
  return value;
}

function listOrUndefined(list: string[]): string[] | undefined {
  return list.length ? list : undefined;
}

export class RecordingMonitor extends MockMonitor {
  readonly planned: PlannedResource[] = [];
  /** registerOutputs of each resource (the stack's are the stack outputs), by URN. */
  readonly registeredOutputs = new Map<string, Record<string, unknown>>();

  async registerResource(req: any, callback: (err: any, response: any) => void): Promise<void> {
    return super.registerResource(req, (err, response) => {
      if (!err) this.planned.push(this.describe(req, response.getUrn()));
      callback(err, response);
    });
  }

  registerResourceOutputs(req: any, callback: (err: any, response: any) => void): void {
    this.registeredOutputs.set(req.getUrn(), plainValue(req.getOutputs()?.toJavaScript() ?? {}) as Record<string, unknown>);
    super.registerResourceOutputs(req, callback);
  }

  private describe(req: any, urn: string): PlannedResource {
    const inputDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((deps: any, key: string) => {
      const urns = deps.getUrnsList();
      if (urns.length) inputDependencies[key] = urns;
    });
    const implied = new Set(Object.values(inputDependencies).flat());
    const resource: PlannedResource = {
      urn,
      type: req.getType(),
      name: req.getName(),
      parent: req.getParent() || undefined,
      custom: req.getCustom(),
      inputs: plainValue(req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>,
      protect: req.getProtect() ?? false,
      dependsOn: req.getDependenciesList().filter((dep: string) => !implied.has(dep)),
      inputDependencies,
      deleteBeforeReplace: req.getDeletebeforereplacedefined() ? req.getDeletebeforereplace() : undefined,
      ignoreChanges: listOrUndefined(req.getIgnorechangesList()),
      replaceOnChanges: listOrUndefined(req.getReplaceonchangesList()),
      retainOnDelete: req.getRetainondelete() || undefined,
      additionalSecretOutputs: listOrUndefined(req.getAdditionalsecretoutputsList()),
      deletedWith: req.getDeletedwith() || undefined,
      aliases: listOrUndefined([
        ...req.getAliasurnsList(),
        ...req.getAliasesList().map((alias: any) => alias.getUrn() || `::${alias.getSpec()?.getName() ?? ""}`),
      ]),
    };
    return JSON.parse(JSON.stringify(resource));
  }
}
