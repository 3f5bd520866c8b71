/** The consent page's stylesheet (served from the page's own origin: the CSP allows nothing else). */
export const STYLE = `
:root { color-scheme: light; --ink: #1d2433; --muted: #5b6478; --line: #d9dee8; --ok: #136f3a; --bad: #a1261b; --accent: #2450a6; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #f6f7fb; }
header { display: flex; gap: 2rem; align-items: center; padding: .8rem 1.5rem; background: #fff; border-bottom: 1px solid var(--line); }
header nav a { margin-right: 1rem; color: var(--accent); text-decoration: none; }
.brand { font-weight: 700; color: var(--ink); text-decoration: none; }
main { max-width: 60rem; margin: 1.5rem auto; padding: 0 1.5rem; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.25rem; margin: 1rem 0; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.15rem; margin-top: 0; }
table { width: 100%; border-collapse: collapse; font-size: .95rem; }
th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
.did, code { font-family: ui-monospace, Menlo, monospace; font-size: .85rem; word-break: break-all; }
.note, small { color: var(--muted); }
.columns { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
#reveals { border-left: 4px solid var(--accent); } #withholds { border-left: 4px solid var(--ok); }
.terms { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
.terms dt { color: var(--muted); } .terms dd { margin: 0; }
.warnings { border-left: 4px solid var(--bad); } .warnings .refuse { color: var(--bad); font-weight: 600; }
.actions { display: flex; gap: 1rem; align-items: flex-start; flex-wrap: wrap; margin: 1rem 0; }
button { font: inherit; padding: .55rem 1.1rem; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
button.secondary { background: #fff; color: var(--accent); }
button.danger { background: var(--bad); border-color: var(--bad); }
form.inline { display: inline-flex; gap: .5rem; } input[name=link] { min-width: 28rem; padding: .5rem; font: inherit; }
label.override { display: block; margin-bottom: .5rem; }
.told { color: var(--ok); } .pending { color: var(--bad); }
details { margin-top: .3rem; } code.record { display: block; max-width: 24rem; }
.ok { color: var(--ok); } .error, .failed { color: var(--bad); } .verified { color: var(--ok); }
`;
