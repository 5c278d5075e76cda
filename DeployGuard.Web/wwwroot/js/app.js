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

// Buttons outside any circuit (the reconnect dialog) say what to do in data-dg-action: the CSP allows no inline handlers.
document.addEventListener("click", event => {
    const action = event.target instanceof Element ? event.target.closest("[data-dg-action]")?.dataset.dgAction : undefined;
    if (action === "reconnect") {
        Blazor.reconnect();
    } else if (action === "reload") {
        location.reload();
    }
});
