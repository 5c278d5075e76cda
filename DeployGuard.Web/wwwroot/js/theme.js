// Applies the theme before first paint and switches it later without a reload.
// The choice is kept in the dg-theme cookie so statically rendered pages (sign-in) follow it too.
(function () {
    const media = {
        light: { light: "all", dark: "not all" },
        dark: { light: "not all", dark: "all" },
        system: { light: "(prefers-color-scheme: light), (prefers-color-scheme: no-preference)", dark: "(prefers-color-scheme: dark)" }
    };
    const prefersDark = window.matchMedia("(prefers-color-scheme: dark)");

    function effective(mode) {
        return mode === "system" ? (prefersDark.matches ? "dark" : "light") : mode;
    }

    function apply(mode) {
        if (!media[mode]) mode = "system";
        const light = document.getElementById("dg-theme-light");
        const dark = document.getElementById("dg-theme-dark");
        if (light) light.media = media[mode].light;
        if (dark) dark.media = media[mode].dark;
        document.documentElement.dataset.dgTheme = mode;
        document.documentElement.dataset.bsTheme = effective(mode);
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
    document.documentElement.dataset.bsTheme = effective(document.documentElement.dataset.dgTheme || "system");
    prefersDark.addEventListener("change", () => {
        rememberSystem();
        apply(document.documentElement.dataset.dgTheme || "system");
    });
    // Enhanced navigation replaces <head> children; keep the links in line with the chosen mode.
    document.addEventListener("DOMContentLoaded", () => apply(document.documentElement.dataset.dgTheme || "system"));
})();
