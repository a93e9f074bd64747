import { randomBytes, randomInt } from "node:crypto";
import { assertOnlyInputs, replaceOnAnyChange, type ResourceHandler } from "./types";

const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER = "abcdefghijklmnopqrstuvwxyz";
const DIGITS = "0123456789";
// terraform-provider-random's default special characters.
const SPECIAL = "!@#$%&*()-_=+[]{}<>:?";

/** random:RandomPassword: a real random password, drawn with node:crypto from the requested classes. */
export const randomPassword: ResourceHandler = {
  async create(inputs) {
    assertOnlyInputs("RandomPassword", inputs, ["length", "special", "upper", "lower", "numeric", "number"]);
    const length = inputs.length as number;
    if (!Number.isInteger(length) || length < 1) throw new Error(`length must be a positive integer, got ${inputs.length}`);
    const alphabet =
      (inputs.upper === false ? "" : UPPER) +
      (inputs.lower === false ? "" : LOWER) +
      (inputs.numeric === false || inputs.number === false ? "" : DIGITS) +
      (inputs.special === false ? "" : SPECIAL);
    if (alphabet === "") throw new Error("every character class is disabled");
    const result = Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join("");
    return { id: "none", outputs: { ...inputs, result } };
  },
  async diff(old, inputs) {
    return replaceOnAnyChange(old, inputs);
  },
  async delete() {
    // Nothing exists outside the state.
  },
};

/** random:RandomBytes: real random bytes, as base64 and hex. */
export const randomBytesHandler: ResourceHandler = {
  async create(inputs) {
    assertOnlyInputs("RandomBytes", inputs, ["length"]);
    const bytes = randomBytes(inputs.length as number);
    return { id: "none", outputs: { ...inputs, base64: bytes.toString("base64"), hex: bytes.toString("hex") } };
  },
  async diff(old, inputs) {
    return replaceOnAnyChange(old, inputs);
  },
  async delete() {
    // Nothing exists outside the state.
  },
};
