// A widget that never changes by itself: the control of the live-update test. Its params
// exercise the form's checkbox and select.
export default {
  title: "Dummy",
  params: {
    shout: { type: "boolean", label: "Shout", default: false, help: "Say it in capitals." },
    style: { type: "choice", label: "Style", choices: ["plain", "boxed"], default: "plain" },
  },
  data(ctx, config) {
    const text = "Nothing to see here.";
    return { text: config.shout ? text.toUpperCase() : text, boxed: config.style === "boxed" };
  },
  template(data, h) {
    return h.html`<p class="dummy">${data.text}</p>`;
  },
};
