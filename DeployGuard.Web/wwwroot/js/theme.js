// Keeps the theme in step with the system and switches it without a reload (deferred: the server already wrote
// data-dg-scheme from the cookies this script keeps).
// The choice is kept in the dg-theme cookie so statically rendered pages (sign-in) follow it too.
(function () {
    const modes = ["light", "dark", "system"];
    const prefersDark = window.matchMedia("(prefers-color-scheme: dark)");

    function effective(mode) {
        return mode === "system" ? (prefersDark.matches ? "dark" : "light") : mode;
    }

    function apply(mode) {
        if (!modes.includes(mode)) mode = "system";
        document.documentElement.dataset.dgTheme = mode;
        document.documentElement.dataset.dgScheme = effective(mode);
    }

    window.dgTheme = {
        set(mode) {
            document.cookie = "dg-theme=" + mode + "; path=/; max-age=31536000; samesite=lax";
            apply(mode);
        },
        current() {
            return document.documentElement.dataset.dgTheme || "system";
        },
        effective() {
            return effective(this.current());
        }
    };

    // The server cannot see prefers-color-scheme: tell it, so "system" renders dark on the first paint where it should.
    function rememberSystem() {
        document.cookie = "dg-system-dark=" + (prefersDark.matches ? "1" : "0") + "; path=/; max-age=31536000; samesite=lax";
    }

    rememberSystem();
    document.documentElement.dataset.dgScheme = effective(document.documentElement.dataset.dgTheme || "system");
    prefersDark.addEventListener("change", () => {
        rememberSystem();
        apply(document.documentElement.dataset.dgTheme || "system");
    });
})();
