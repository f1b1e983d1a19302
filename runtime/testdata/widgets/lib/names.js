// Helpers shared by the test widgets, the way widgets/lib/ is.
export function agentOf(message) {
  return message?.msg?.agent ?? message?.msg?.user?.username ?? null;
}

export function fail(why) {
  throw new Error(why);
}
