import { ProjectServices } from "../../components/projectServices";
import { named, nameOf, ofType, runComponents } from "../helpers/run";

describe("ProjectServices", () => {
  it("enables each API and leaves it enabled on destroy", async () => {
    const plan = await runComponents(() => new ProjectServices("apis", { apis: ["pubsub.googleapis.com", "cloudkms.googleapis.com"] }));
    const services = ofType(plan, "gcp:projects/service:Service");
    expect(services.map((s) => s.inputs)).toEqual([
      { service: "pubsub.googleapis.com", disableOnDestroy: false, disableDependentServices: false },
      { service: "cloudkms.googleapis.com", disableOnDestroy: false, disableDependentServices: false },
    ]);
  });

  it("makes sure the Pub/Sub service agent exists once the APIs are on", async () => {
    let apis: ProjectServices | undefined;
    const plan = await runComponents(() => (apis = new ProjectServices("apis", { apis: ["pubsub.googleapis.com"] })));
    const agent = named(plan, "apis-pubsub-agent");
    expect(agent.inputs).toEqual({ service: "pubsub.googleapis.com" });
    expect(agent.dependsOn.map(nameOf)).toEqual(["apis-pubsub"]);
    expect(apis!.services["pubsub.googleapis.com"]).toBeDefined();
  });
});
