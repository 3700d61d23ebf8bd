function n(t){let r=Math.floor(t/100),e=String(t%100).padStart(2,"0");return`${r}.${e} EUR`}var o=class extends Error{constructor(r){super(r),this.name="CheckoutError"}};function c(t){let r=n(t.cents);if(t.declined)throw new o(`card declined for ${r}`);return r}function a(t){return{receipt:c(t)}}export{o as CheckoutError,a as checkout};
//# sourceMappingURL=checkout.min.mjs.map
