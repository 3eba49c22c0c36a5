import type { JsonValue } from "@bufbuild/protobuf";
import { eventSchemaText } from "../../lib/eventSchema";
import { smokeEvents } from "../../tools/smokeTest";
import { validator } from "../../scripts/bus/eventValidator";

// The smoke test itself needs a deployed stack; what it publishes is checked here.
describe("the smoke test's events", () => {
  const validate = validator(eventSchemaText());

  it("publishes an event the schema takes, with an item_id of its own, and one it refuses", () => {
    const events = smokeEvents("0f1e2d3c");
    expect(() => validate(events.valid as JsonValue)).not.toThrow();
    expect(events.valid).toMatchObject({ item_id: "smoke_0f1e2d3c", producer: "smoke-test" });
    expect(() => validate(events.invalid as JsonValue)).toThrow(/cannot decode/);
  });
});
