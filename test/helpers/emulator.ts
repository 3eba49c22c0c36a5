/**
 * One Pub/Sub emulator for a test file: started before its tests, stopped (as a process
 * group) after them, with a client for `projectId`.
 */
import { PubSub } from "@google-cloud/pubsub";
import { Emulator, emulatorClient, startEmulator } from "../../scripts/bus/emulator";

export function useEmulator(projectId: string, ready: (pubsub: PubSub) => Promise<void> = async () => undefined): { emulator: () => Emulator; pubsub: () => PubSub } {
  let emulator: Emulator | undefined;
  let pubsub: PubSub | undefined;
  beforeAll(async () => {
    emulator = await startEmulator();
    pubsub = emulatorClient(emulator, projectId);
    await ready(pubsub);
  });
  afterAll(async () => {
    await pubsub?.close();
    await emulator?.stop();
  });
  return { emulator: () => emulator!, pubsub: () => pubsub! };
}
