/**
 * Work to finish before the process exits, registered by whoever started it: the telemetry bootstrap, which
 * runs before the app is imported and so cannot be handed to it, registers its final flush here.
 */
const hooks: (() => Promise<void>)[] = [];

export function onShutdown(hook: () => Promise<void>): void {
  hooks.push(hook);
}

export async function runShutdownHooks(): Promise<void> {
  await Promise.allSettled(hooks.map((hook) => hook()));
}
