/**
 * The DEFIMON event schema (schema/defimon-event.proto): its text for the Pub/Sub schema,
 * and the BigQuery columns the BigQuery subscription writes, derived from the same file.
 */
import * as fs from "fs";
import * as path from "path";
import * as protobuf from "protobufjs";

export const eventSchemaFile = path.resolve(__dirname, "..", "schema", "defimon-event.proto");
export const eventMessageName = "defimon.events.v1.Event";

export function eventSchemaText(): string {
  return fs.readFileSync(eventSchemaFile, "utf8");
}

/** The event message, parsed with its field names as written (Pub/Sub and BigQuery use those). */
export function eventType(text = eventSchemaText()): protobuf.Type {
  return protobuf.parse(text, { keepCase: true, alternateCommentMode: true }).root.lookupType(eventMessageName);
}

export interface BigQueryColumn {
  name: string;
  type: string;
  mode: "NULLABLE" | "REQUIRED" | "REPEATED";
  description?: string;
}

/**
 * Proto scalar types the BigQuery subscription writes to BigQuery types (Pub/Sub, "BigQuery
 * subscriptions", schema compatibility; BigQuery "Supported protocol buffer data types":
 * INTEGER takes int32, int64, uint32, not uint64).
 */
const columnTypes: Record<string, string> = { string: "STRING", int64: "INTEGER", int32: "INTEGER", uint32: "INTEGER", bool: "BOOLEAN", double: "FLOAT", float: "FLOAT", bytes: "BYTES" };

/** Fields stored as a richer type than their proto one (a string is compatible with TIMESTAMP and JSON columns). */
export const columnOverrides: Record<string, string> = { event_time: "TIMESTAMP", payload: "JSON" };

/**
 * What the subscription adds with write_metadata (Pub/Sub, "BigQuery subscriptions",
 * "Write metadata"); publish_time partitions the table.
 */
export const metadataColumns: BigQueryColumn[] = [
  { name: "subscription_name", type: "STRING", mode: "NULLABLE", description: "Pub/Sub: the subscription that wrote the row" },
  { name: "message_id", type: "STRING", mode: "NULLABLE", description: "Pub/Sub: the message ID" },
  { name: "publish_time", type: "TIMESTAMP", mode: "NULLABLE", description: "Pub/Sub: when the message was published" },
  { name: "attributes", type: "JSON", mode: "NULLABLE", description: "Pub/Sub: the message attributes" },
];

/** The table's columns: one per schema field (in field-number order), then Pub/Sub's metadata. */
export function bigQueryColumns(type = eventType()): BigQueryColumn[] {
  const fields = [...type.fieldsArray].sort((a, b) => a.id - b.id);
  const columns = fields.map((field): BigQueryColumn => {
    const base = columnTypes[field.type];
    if (!base || field.repeated || field.map) throw new Error(`${eventSchemaFile}: field ${field.name} (${field.type}) has no BigQuery column type here`);
    const description = field.comment?.replace(/\s+/g, " ").trim();
    return { name: field.name, type: columnOverrides[field.name] ?? base, mode: "NULLABLE", ...(description ? { description: description.slice(0, 1024) } : {}) };
  });
  return [...columns, ...metadataColumns];
}
