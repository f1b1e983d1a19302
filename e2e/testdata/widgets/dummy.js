// A widget that never changes: the control of the live-update test.
export default {
  title: "Dummy",
  data() {
    return { text: "Nothing to see here." };
  },
  template(data, h) {
    return h.html`<p class="dummy">${data.text}</p>`;
  },
};
