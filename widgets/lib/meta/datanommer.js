// datanommer, the bus archiver: it speaks up only when something is wrong.

export default {
  names: ["datanommer"],
  icon: null,
  subtitle() {
    return "datanommer encountered a duplicate uuid";
  },
  link() {
    return null;
  },
  secondary_icon() {
    return null;
  },
};
