/**
 * Validates events against the event schema with real Protocol Buffers libraries:
 * protobufjs compiles the .proto text to a descriptor (json_name set as protoc sets it),
 * and @bufbuild/protobuf, which passes the protobuf conformance suite, parses each event
 * with the proto3 JSON mapping, as Pub/Sub's JSON encoding does: unknown fields and values
 * of the wrong type are refused (it throws "cannot decode ..."). Used by the tests on
 * schema/examples and by `npm run bus:local`, where the emulator enforces no schema.
 */
import * as protobuf from "protobufjs";
import descriptor from "protobufjs/ext/descriptor";
import { createFileRegistry, fromBinary, fromJson, type JsonValue } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { eventMessageName } from "../../lib/eventSchema";

export function validator(text: string): (event: JsonValue) => unknown {
  const root = protobuf.parse(text, { keepCase: true }).root;
  const set = (root as any).toDescriptor("proto3");
  for (const file of set.file) for (const message of file.messageType) for (const field of message.field) field.jsonName = field.name.replace(/_([a-z0-9])/g, (_: string, c: string) => c.toUpperCase());
  const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, descriptor.FileDescriptorSet.encode(set).finish()));
  const message = registry.getMessage(eventMessageName)!;
  return (event: JsonValue) => fromJson(message, event);
}
