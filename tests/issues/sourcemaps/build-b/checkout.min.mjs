/* build b */

!function(){try{var e="undefined"!=typeof window?window:"undefined"!=typeof global?global:"undefined"!=typeof globalThis?globalThis:"undefined"!=typeof self?self:{},n=(new e.Error).stack;n&&(e._sentryDebugIds=e._sentryDebugIds||{},e._sentryDebugIds[n]="7680ecf6-7c33-5511-933f-1b7318618b81")}catch(e){}}();
function formatAmount(cents){let euros=Math.floor(cents/100),rest=String(cents%100).padStart(2,"0");return`${euros}.${rest} EUR`}var CheckoutError=class extends Error{constructor(message){super(message),this.name="CheckoutError"}};function chargeCard(order){let amount=formatAmount(order.cents);if(order.declined)throw new CheckoutError(`card declined for ${amount}`);return amount}function checkout(order){return{receipt:chargeCard(order)}}export{CheckoutError,checkout};
//# sourceMappingURL=checkout.min.mjs.map

//# debugId=7680ecf6-7c33-5511-933f-1b7318618b81
