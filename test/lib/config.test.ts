import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { ConfigError, configKeys, namespaceValues, parseStackConfig } from "../../lib/config";
import { presetNames, presets } from "../../lib/presets";

function problems(raw: Record<string, unknown>): string[] {
  try {
    parseStackConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
}

describe("stack configuration", () => {
  it("fills in the guide's defaults around a preset", () => {
    const config = parseStackConfig({ preset: "small" });
    expect(config.protect).toBe(false);
    expect(config.labels).toEqual({ team: "defimon" });
    expect(config.pubsub).toEqual({
      topic: "defimon-events",
      subscription: "defimon-events-sub",
      ackDeadlineSeconds: 600,
      messageRetentionDuration: 7 * 86400,
      minimumBackoff: 1,
      maximumBackoff: 600,
      maxDeliveryAttempts: 5,
    });
    expect(config.kms).toEqual({ location: "global", keyRing: "defimon", cryptoKey: "pubsub-key", rotationPeriod: 90 * 86400 });
    expect(config.serviceAccount).toEqual({ accountId: "defimon-service", createKey: true, keyRotation: "initial" });
  });

  it.each(presetNames)("takes the event-stream figures of preset %s", (preset) => {
    expect(parseStackConfig({ preset }).eventStream).toEqual(presets[preset].eventStream);
  });

  it("has the guide's figures in the presets", () => {
    const figures = (name: (typeof presetNames)[number]) => {
      const { maxMessages, batchSize, maxConcurrentPublishers } = presets[name].eventStream;
      return [maxMessages, batchSize, maxConcurrentPublishers];
    };
    expect(figures("small")).toEqual([100, 50, 5]);
    expect(figures("standard")).toEqual([1000, 100, 10]);
    expect(figures("high-load")).toEqual([5000, 500, 20]);
    for (const name of presetNames) {
      expect(presets[name].eventStream).toMatchObject({ flushIntervalSeconds: 5, errorRetryAttempts: 3, errorRetryDelaySeconds: 5 });
    }
  });

  it("lets eventStream override single figures of the preset", () => {
    const config = parseStackConfig({ preset: "high-load", eventStream: { batchSize: 250, flushIntervalSeconds: 2 } });
    expect(config.eventStream).toEqual({ ...presets["high-load"].eventStream, batchSize: 250, flushIntervalSeconds: 2 });
  });

  it("accepts durations as seconds or with a unit", () => {
    const config = parseStackConfig({ preset: "small", pubsub: { messageRetentionDuration: "1h", minimumBackoff: 10, maximumBackoff: "5m" }, kms: { rotationPeriod: "30d" } });
    expect([config.pubsub.messageRetentionDuration, config.pubsub.minimumBackoff, config.pubsub.maximumBackoff]).toEqual([3600, 10, 300]);
    expect(config.kms.rotationPeriod).toBe(30 * 86400);
  });

  it("reads the engine's config map: JSON for objects and scalars, text for plain strings", () => {
    const values = namespaceValues({
      "defimon:preset": "high-load",
      "defimon:protect": "true",
      "defimon:pubsub": '{"ackDeadlineSeconds":60}',
      "gcp:project": "elsewhere",
    });
    expect(values).toEqual({ preset: "high-load", protect: true, pubsub: { ackDeadlineSeconds: 60 } });
  });

  // One row per rule: the bad input, and the line the user must see.
  it.each<[string, Record<string, unknown>, string]>([
    ["missing preset", { preset: undefined }, 'defimon:preset = (not set): one of small, standard, high-load'],
    ["unknown preset", { preset: "huge" }, 'defimon:preset = "huge": one of small, standard, high-load'],
    ["protect not a boolean", { protect: "yes" }, 'defimon:protect = "yes": true or false'],
    ["unknown top-level key", { pubsubb: {} }, "defimon:pubsubb = {}: unknown key; known keys: " + configKeys.join(", ")],
    ["unknown nested key", { pubsub: { ackDeadline: 60 } }, "defimon:pubsub.ackDeadline = 60: unknown key; known keys: topic,"],
    ["topic name too short", { pubsub: { topic: "ab" } }, 'defimon:pubsub.topic = "ab": 3 to 243 characters'],
    ["topic name starting with goog", { pubsub: { topic: "google-events" } }, "not with 'goog'"],
    ["topic name with a space", { pubsub: { topic: "defimon events" } }, 'defimon:pubsub.topic = "defimon events"'],
    ["topic name too long", { pubsub: { topic: "a".repeat(244) } }, "defimon:pubsub.topic ="],
    ["subscription starting with a digit", { pubsub: { subscription: "1sub" } }, 'defimon:pubsub.subscription = "1sub"'],
    ["subscription equal to the topic", { pubsub: { topic: "events", subscription: "events" } }, 'defimon:pubsub.subscription = "events": must differ from the topic name'],
    ["ack deadline below 10 s", { pubsub: { ackDeadlineSeconds: 5 } }, "defimon:pubsub.ackDeadlineSeconds = 5: an integer from 10 to 600 seconds"],
    ["ack deadline above 600 s", { pubsub: { ackDeadlineSeconds: 601 } }, "defimon:pubsub.ackDeadlineSeconds = 601: an integer from 10 to 600 seconds"],
    ["ack deadline not an integer", { pubsub: { ackDeadlineSeconds: 60.5 } }, "defimon:pubsub.ackDeadlineSeconds = 60.5: an integer"],
    ["retention below 10 minutes", { pubsub: { messageRetentionDuration: "5m" } }, 'defimon:pubsub.messageRetentionDuration = "5m": a duration from 10m to 7d'],
    ["retention above 7 days", { pubsub: { messageRetentionDuration: "8d" } }, 'defimon:pubsub.messageRetentionDuration = "8d": a duration from 10m to 7d'],
    ["retention not a duration", { pubsub: { messageRetentionDuration: "a week" } }, 'defimon:pubsub.messageRetentionDuration = "a week": a duration'],
    ["minimum backoff above 600 s", { pubsub: { minimumBackoff: "11m" } }, 'defimon:pubsub.minimumBackoff = "11m": a duration from 0s to 600s'],
    ["maximum backoff above 600 s", { pubsub: { maximumBackoff: 601 } }, "defimon:pubsub.maximumBackoff = 601: a duration from 0s to 600s"],
    ["backoff bounds in the wrong order", { pubsub: { minimumBackoff: "5m", maximumBackoff: "1m" } }, 'defimon:pubsub.minimumBackoff = "5m": must not be longer than maximumBackoff (60s)'],
    ["delivery attempts below 5", { pubsub: { maxDeliveryAttempts: 4 } }, "defimon:pubsub.maxDeliveryAttempts = 4: an integer from 5 to 100 attempts"],
    ["delivery attempts above 100", { pubsub: { maxDeliveryAttempts: 101 } }, "defimon:pubsub.maxDeliveryAttempts = 101: an integer from 5 to 100 attempts"],
    ["batch size above Pub/Sub's 1000", { eventStream: { batchSize: 1001 } }, "defimon:eventStream.batchSize = 1001: an integer from 1 to 1000"],
    ["zero max messages", { eventStream: { maxMessages: 0 } }, "defimon:eventStream.maxMessages = 0: an integer from 1"],
    ["publishers as text", { eventStream: { maxConcurrentPublishers: "ten" } }, 'defimon:eventStream.maxConcurrentPublishers = "ten": an integer from 1 to 100'],
    ["flush interval zero", { eventStream: { flushIntervalSeconds: 0 } }, "defimon:eventStream.flushIntervalSeconds = 0"],
    ["negative retry attempts", { eventStream: { errorRetryAttempts: -1 } }, "defimon:eventStream.errorRetryAttempts = -1"],
    ["retry delay above an hour", { eventStream: { errorRetryDelaySeconds: 3601 } }, "defimon:eventStream.errorRetryDelaySeconds = 3601"],
    ["rotation above 90 days", { kms: { rotationPeriod: "91d" } }, 'defimon:kms.rotationPeriod = "91d": a duration from 1d to 90d'],
    ["rotation below a day", { kms: { rotationPeriod: "12h" } }, 'defimon:kms.rotationPeriod = "12h": a duration from 1d to 90d'],
    ["key ring with a dot", { kms: { keyRing: "defimon.ring" } }, 'defimon:kms.keyRing = "defimon.ring": 1 to 63 characters'],
    ["crypto key too long", { kms: { cryptoKey: "k".repeat(64) } }, "defimon:kms.cryptoKey ="],
    ["unknown KMS location form", { kms: { location: "Europe West" } }, 'defimon:kms.location = "Europe West": global, a multi-region'],
    ["service account id too short", { serviceAccount: { accountId: "svc" } }, 'defimon:serviceAccount.accountId = "svc": 6 to 30 lowercase letters'],
    ["service account id with upper case", { serviceAccount: { accountId: "Defimon-service" } }, 'defimon:serviceAccount.accountId = "Defimon-service"'],
    ["service account id ending with -", { serviceAccount: { accountId: "defimon-" } }, 'defimon:serviceAccount.accountId = "defimon-"'],
    ["createKey not a boolean", { serviceAccount: { createKey: "no" } }, 'defimon:serviceAccount.createKey = "no": true or false'],
    ["key rotation with a space", { serviceAccount: { keyRotation: "next month" } }, 'defimon:serviceAccount.keyRotation = "next month"'],
    ["label key with upper case", { labels: { Team: "defimon" } }, 'defimon:labels has key "Team": label keys are 1 to 63 lowercase'],
    ["label value with upper case", { labels: { team: "DeFiMon" } }, 'defimon:labels.team = "DeFiMon": label values are 0 to 63 lowercase'],
    ["too many labels", { labels: Object.fromEntries(Array.from({ length: 61 }, (_, i) => [`l${i}`, "x"])) }, "defimon:labels = {"],
  ])("rejects %s with one line naming key, value and what is allowed", (_rule, raw, expected) => {
    const lines = problems({ preset: "small", ...raw });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(expected);
    expect(lines[0]).not.toMatch(/\n|at .*\.ts:\d+/);
  });

  it("reports every problem at once, one line each", () => {
    const lines = problems({ preset: "tiny", pubsub: { ackDeadlineSeconds: 1, maxDeliveryAttempts: 1000 }, kms: { rotationPeriod: "1y" } });
    expect(lines).toEqual([
      'defimon:preset = "tiny": one of small, standard, high-load',
      "defimon:pubsub.ackDeadlineSeconds = 1: an integer from 10 to 600 seconds",
      "defimon:pubsub.maxDeliveryAttempts = 1000: an integer from 5 to 100 attempts",
      'defimon:kms.rotationPeriod = "1y": a duration from 1d to 90d (seconds, or a whole number with s, m, h or d)',
    ]);
  });

  it("declares every key in Pulumi.yaml, with the schema's own defaults", () => {
    const project = parse(fs.readFileSync(path.join(__dirname, "..", "..", "Pulumi.yaml"), "utf8"));
    expect(Object.keys(project.config).sort()).toEqual([...configKeys].sort());
    for (const [key, declaration] of Object.entries<any>(project.config)) {
      expect(declaration).toEqual(expect.objectContaining({ type: expect.any(String), description: expect.any(String) }));
      if (key === "preset") {
        expect(declaration.default).toBeUndefined(); // required: each stack picks its preset
        continue;
      }
      // The declared default, read as the program reads config, gives the schema's default.
      const fromDeclaration = parseStackConfig({ preset: "small", [key]: declaration.default });
      const fromSchema = parseStackConfig({ preset: "small" });
      expect(fromDeclaration[key as keyof typeof fromSchema]).toEqual(fromSchema[key as keyof typeof fromSchema]);
    }
  });
});
