// Log viewer helpers, loaded as a module by LogViewer.razor.
// The viewer follows the tail while the reader is at the bottom; scrolling up pauses following.
export function watch(el) {
    if (!el || el.dataset.dgWatch) return;
    el.dataset.dgWatch = '1';
    el.dataset.follow = 'true';
    el.addEventListener('scroll', () => {
        el.dataset.follow = (el.scrollHeight - el.scrollTop - el.clientHeight < 48) ? 'true' : 'false';
    });
}

export function follow(el) {
    if (el && el.dataset.follow !== 'false') el.scrollTop = el.scrollHeight;
}

export function toBottom(el) {
    if (!el) return;
    el.dataset.follow = 'true';
    el.scrollTop = el.scrollHeight;
}
