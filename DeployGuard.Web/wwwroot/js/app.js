// Small helpers called from components through JS interop.
window.dg = {
    markInteractive() {
        document.body.dataset.interactive = "true";
    },
    focus(selector) {
        const el = document.querySelector(selector);
        if (el) el.focus();
    },
    submit(formId) {
        const form = document.getElementById(formId);
        if (form) form.submit();
    },
    copy(text) {
        return navigator.clipboard ? navigator.clipboard.writeText(text) : Promise.resolve();
    }
};
