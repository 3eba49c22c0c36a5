import { iapSourceRange, NodeNetwork, NodeNetworkArgs } from "../../components/nodeNetwork";
import { named, ofType, Plan, runComponents } from "../helpers/run";

function declare(overrides: Partial<NodeNetworkArgs> = {}): Promise<Plan> {
  return runComponents(() => {
    new NodeNetwork("net", {
      region: "europe-west1",
      targetTag: "defimon-node",
      rpcSourceRanges: [],
      adminSourceRanges: [],
      servicePorts: [8000, 8001],
      labels: { team: "defimon" },
      ...overrides,
    });
  });
}

const rulePorts = (plan: Plan, name: string) =>
  (named(plan, name).inputs.allows as { protocol: string; ports: string[] }[]).map((allow) => `${allow.protocol}:${allow.ports.join(",")}`);

describe("NodeNetwork", () => {
  it("is its own VPC with one subnet, never the default network", async () => {
    const plan = await declare();
    expect(named(plan, "net-vpc").inputs).toMatchObject({ autoCreateSubnetworks: false });
    expect(named(plan, "net-subnet").inputs).toMatchObject({ region: "europe-west1", ipCidrRange: "10.20.0.0/24", privateIpGoogleAccess: true });
    for (const rule of ofType(plan, "gcp:compute/firewall:Firewall")) {
      expect(rule.inputs.network).toBe(named(plan, "net-subnet").inputs.network);
      expect(rule.inputs.network).not.toMatch(/networks\/default$/);
      expect(rule.inputs.targetTags).toEqual(["defimon-node"]);
      expect(rule.inputs.direction).toBe("INGRESS");
    }
  });

  it("reserves a static external IP for P2P", async () => {
    const plan = await declare();
    expect(named(plan, "net-p2p-ip").inputs).toMatchObject({ addressType: "EXTERNAL", region: "europe-west1" });
  });

  it("opens P2P to the internet: geth 30303 tcp/udp, Lighthouse 9000 tcp/udp and 9001 udp", async () => {
    const plan = await declare();
    expect(named(plan, "net-p2p").inputs.sourceRanges).toEqual(["0.0.0.0/0"]);
    expect(rulePorts(plan, "net-p2p")).toEqual(["tcp:30303,9000", "udp:30303,9000,9001"]);
  });

  it("opens nothing else to the internet", async () => {
    const plan = await declare({ rpcSourceRanges: ["203.0.113.0/24"], adminSourceRanges: ["198.51.100.7/32"] });
    const open = ofType(plan, "gcp:compute/firewall:Firewall").filter((rule) => (rule.inputs.sourceRanges as string[]).some((r) => r.endsWith("/0")));
    expect(open.map((rule) => rule.name)).toEqual(["net-p2p"]);
  });

  it("lets SSH, RPC and dashboards in from IAP's range only, by default", async () => {
    const plan = await declare();
    expect(ofType(plan, "gcp:compute/firewall:Firewall").map((rule) => rule.name).sort()).toEqual(["net-admin-iap", "net-p2p", "net-rpc-iap", "net-ssh-iap"]);
    expect(iapSourceRange).toBe("35.235.240.0/20");
    expect(named(plan, "net-ssh-iap").inputs.sourceRanges).toEqual([iapSourceRange]);
    expect(rulePorts(plan, "net-ssh-iap")).toEqual(["tcp:22"]);
    expect(rulePorts(plan, "net-rpc-iap")).toEqual(["tcp:8545,8546,8000,8001"]);
    expect(rulePorts(plan, "net-admin-iap")).toEqual(["tcp:3002,9090"]);
  });

  it("adds the configured ranges for RPC and for dashboards, separately", async () => {
    const plan = await declare({ rpcSourceRanges: ["203.0.113.0/24"], adminSourceRanges: ["198.51.100.7/32", "2001:db8::/48"] });
    expect(named(plan, "net-rpc").inputs.sourceRanges).toEqual(["203.0.113.0/24"]);
    expect(rulePorts(plan, "net-rpc")).toEqual(["tcp:8545,8546,8000,8001"]);
    expect(named(plan, "net-admin").inputs.sourceRanges).toEqual(["198.51.100.7/32", "2001:db8::/48"]);
    expect(rulePorts(plan, "net-admin")).toEqual(["tcp:3002,9090"]);
  });

  it("never opens the Engine API or the metrics ports, to anyone", async () => {
    const plan = await declare({ rpcSourceRanges: ["203.0.113.0/24"], adminSourceRanges: ["198.51.100.7/32"] });
    const ports = ofType(plan, "gcp:compute/firewall:Firewall").flatMap((rule) => (rule.inputs.allows as { ports: string[] }[]).flatMap((a) => a.ports));
    for (const closed of ["8551", "6060", "5052", "5054"]) expect(ports).not.toContain(closed);
  });

  it("logs access rules but not P2P, where every peer would be a log line", async () => {
    const plan = await declare();
    expect(named(plan, "net-p2p").inputs.logConfig).toBeUndefined();
    expect(named(plan, "net-ssh-iap").inputs.logConfig).toEqual({ metadata: "INCLUDE_ALL_METADATA" });
  });
});
