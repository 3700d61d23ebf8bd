// The original source of the minified fixtures (see README.md).
import { formatAmount } from "./money.js";

export class CheckoutError extends Error {
  constructor(message) {
    super(message);
    this.name = "CheckoutError";
  }
}

function chargeCard(order) {
  const amount = formatAmount(order.cents);
  if (order.declined) {
    throw new CheckoutError(`card declined for ${amount}`);
  }
  return amount;
}

export function checkout(order) {
  const receipt = chargeCard(order);
  return { receipt };
}
