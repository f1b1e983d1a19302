// Looks for anything the polluter could have left behind.
export default {
  title: "Observer",
  hints: { topics: ["x.y"] },
  data(ctx) {
    return {
      ctxLeak: [ctx.fetch.leak, ctx.messages.leak, ctx.log.info.leak].every((v) => v === undefined),
      leak: typeof globalThis.leak,
      leak2: typeof globalThis.leak2,
      leak3: typeof globalThis.leak3,
      leak4: typeof globalThis.leak4,
      polluted: ({}).polluted === undefined && ({}).polluted2 === undefined,
      map: [1].map((x) => x + 1)[0] === 2,
      json: JSON.parse("1") === 1,
      hub: "unchanged",
      goError: typeof globalThis.GoError,
    };
  },
  template(data, h) {
    return h.html`<p>${"<b>"}</p>`;
  },
  shouldInvalidate(message) {
    return message.topic === "org.fedoraproject.prod.x.y" && message.msg.injected === undefined &&
      message.injected === undefined && Object.getPrototypeOf(message.msg) === Object.prototype;
  },
};
