/**
 * Deploying a test stack or a drill: the policy pack runs in a preview that gates the
 * update, and in the update itself (the Automation API's `up` skips its own preview). The
 * stack here records what LocalWorkspace's Stack would be asked; the CLI run needs a cloud.
 */
import * as path from "path";
import { deployWithPolicy, policyPacks } from "../../scripts/testStackOps";

const root = path.resolve(__dirname, "..", "..");

function fakeStack(previewFails: boolean) {
  const calls: { op: string; policyPacks?: string[] }[] = [];
  return {
    calls,
    stack: {
      preview: async (options: { policyPacks?: string[] }) => {
        calls.push({ op: "preview", policyPacks: options.policyPacks });
        if (previewFails) throw new Error("mandatory policy violation: node-clients-follow-network");
        return {} as never;
      },
      up: async (options: { policyPacks?: string[] }) => {
        calls.push({ op: "up", policyPacks: options.policyPacks });
        return { summary: { result: "succeeded" } } as never;
      },
    },
  };
}

describe("deploying a test stack or a drill", () => {
  it("previews with the project's policy pack, then updates with it", async () => {
    const { stack, calls } = fakeStack(false);
    await deployWithPolicy(stack, () => undefined);
    expect(policyPacks).toEqual([path.join(root, "policy")]);
    expect(calls).toEqual([{ op: "preview", policyPacks }, { op: "up", policyPacks }]);
  });

  it("never updates when the policy preview fails", async () => {
    const { stack, calls } = fakeStack(true);
    await expect(deployWithPolicy(stack, () => undefined)).rejects.toThrow("mandatory policy violation");
    expect(calls.map((c) => c.op)).toEqual(["preview"]);
  });
});
