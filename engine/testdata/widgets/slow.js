// data() takes 200 ms of CPU: long enough for concurrent callers to meet in one build.
export default {
  title: "Slow",
  params: {},
  hints: { topics: ["test.never"] },
  data(ctx, config) {
    const end = ctx.now().getTime() + 200;
    let spins = 0;
    while (ctx.now().getTime() < end) spins++;
    return { done: true, spins: spins > 0 };
  },
  template(data, h) {
    return h.html`<p>done</p>`;
  },
};
