/**
 * The event schema against fixture events (schema/examples), parsed as Pub/Sub's JSON
 * encoding does (scripts/bus/eventValidator.ts): a schema change that breaks a
 * producer's events fails here.
 */
import * as fs from "fs";
import * as path from "path";
import * as protobuf from "protobufjs";
import type { JsonValue } from "@bufbuild/protobuf";
import { bigQueryColumns, columnOverrides, eventSchemaText, eventType, metadataColumns } from "../../lib/eventSchema";
import { validator } from "../../scripts/bus/eventValidator";

const examples = (file: string) => JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "schema", "examples", file), "utf8")) as Record<string, JsonValue>;

describe("the event schema", () => {
  const validate = validator(eventSchemaText());

  it.each(Object.entries(examples("valid.json")))("takes a valid event: %s", (_name, event) => {
    expect(() => validate(event)).not.toThrow();
  });

  it.each(Object.entries(examples("invalid.json")))("refuses %s", (_name, event) => {
    expect(() => validate(event)).toThrow(/cannot decode/);
  });

  it("is one top-level message without imports, as Pub/Sub requires", () => {
    const text = eventSchemaText();
    expect(text).not.toMatch(/^\s*import\s/m);
    const root = protobuf.parse(text).root;
    const messages = (root.lookup("defimon.events.v1") as protobuf.Namespace).nestedArray;
    expect(messages.map((m) => m.name)).toEqual(["Event"]);
  });

  it("gives the BigQuery table one column per field, with the field's name, then Pub/Sub's metadata", () => {
    const columns = bigQueryColumns();
    expect(columns.map((c) => c.name)).toEqual([
      "schema_version", "event_type", "network", "chain_id", "block_number", "block_hash", "transaction_hash", "log_index", "item_id", "event_time", "producer", "payload",
      "subscription_name", "message_id", "publish_time", "attributes",
    ]);
    expect(Object.fromEntries(columns.map((c) => [c.name, c.type]))).toMatchObject({ chain_id: "INTEGER", block_number: "INTEGER", log_index: "INTEGER", event_time: "TIMESTAMP", payload: "JSON", publish_time: "TIMESTAMP" });
    for (const field of Object.keys(columnOverrides)) expect(eventType().fields[field]).toBeDefined();
    expect(metadataColumns.every((c) => columns.includes(c))).toBe(true);
  });

  it("refuses a field BigQuery cannot take from the subscription (uint64)", () => {
    const wide = eventSchemaText().replace("int64 block_number = 5;", "uint64 block_number = 5;");
    expect(() => bigQueryColumns(eventType(wide))).toThrow("field block_number (uint64) has no BigQuery column type here");
  });
});
