import { resourceLabels, stackScopedName, stackSlug } from "../../lib/naming";

describe("names derived from the stack", () => {
  it("keeps short names as they are: dev and prod keep their accounts", () => {
    expect(stackScopedName("defimon-node", "dev", 30)).toBe("defimon-node-dev");
    expect(stackScopedName("defimon-node", "prod", 30)).toBe("defimon-node-prod");
  });

  it("never lets two long stack names collide (the IAM 409 the first 17 characters gave)", () => {
    const a = stackScopedName("defimon-node", "test-feature-alpha-1", 30);
    const b = stackScopedName("defimon-node", "test-feature-alpha-2", 30);
    expect(a).not.toBe(b);
    for (const id of [a, b]) expect(id).toMatch(/^[a-z](?:[-a-z0-9]{4,28}[a-z0-9])$/);
    expect(a).toMatch(/^defimon-node-test-featu-[0-9a-f]{6}$/);
  });

  it("slugs stack names GCP would refuse, and labels with them", () => {
    expect(stackSlug("Org.Feature_X")).toBe("org-feature-x");
    expect(resourceLabels({ team: "defimon" }, "Prod")).toEqual({ team: "defimon", "managed-by": "pulumi", "pulumi-stack": "prod" });
  });
});
