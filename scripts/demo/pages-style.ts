// The look of the demo authorization server's pages (sign in, allow access, sign-in expired, errors): the app's
// palette and controls, light and dark, so leaving Switchboard for the demo does not feel like leaving the
// product. The notice on top keeps saying that this is not Switchboard. Inlined into each page (CSP hash).

/** CSS for every page of the demo authorization server. */
export const DEMO_PAGES_CSS = `
:root {
  --bg: #f6f7f9; --surface: #ffffff; --text: #1b1f24; --muted: #57606a; --border: #d5d9de; --accent: #1f4ed8;
  --accent-hover: #1a3fb0; --accent-text: #ffffff; --danger: #b42318; --info-bg: #eef4ff; --info-border: #c7d7fe;
  --input-border: #9aa4b0; --hover-bg: #eceff3; --focus: #f79009;
  color-scheme: light; font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif;
  font-size: 16px; line-height: 1.5;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f1419; --surface: #171c23; --text: #e6e9ee; --muted: #a3acb8; --border: #343c48; --accent: #8fb0ff;
    --accent-hover: #b4cbff; --accent-text: #0b1020; --danger: #ff9b91; --info-bg: #16223a; --info-border: #34508a;
    --input-border: #6b7583; --hover-bg: #242b35; --focus: #f7b955; color-scheme: dark;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); }
a { color: var(--accent); }
a:hover { color: var(--accent-hover); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
header {
  display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 0.5rem 1.5rem;
  padding: 0.75rem 1.5rem; background: var(--info-bg); border-bottom: 1px solid var(--info-border);
}
header p { margin: 0; max-width: 48rem; }
.app-link a { font-weight: 600; white-space: nowrap; }
main {
  max-width: 30rem; margin: 2rem auto; padding: 1.5rem; background: var(--surface); border: 1px solid var(--border);
  border-radius: 8px;
}
h1 { font-size: 1.5rem; margin: 0 0 0.75rem; }
p { margin: 0 0 0.75rem; }
ul { margin: 0 0 1rem; padding-left: 1.25rem; }
code { overflow-wrap: anywhere; }
label { font-weight: 600; display: block; margin-bottom: 0.3rem; }
input {
  font: inherit; width: 100%; padding: 0.5rem 0.65rem; border: 1px solid var(--input-border); border-radius: 6px;
  background: var(--surface); color: var(--text);
}
#login-hint { color: var(--muted); font-size: 0.9rem; }
form p:last-child { display: flex; gap: 0.75rem; flex-wrap: wrap; margin: 1rem 0 0; }
button {
  font: inherit; font-weight: 600; padding: 0.5rem 1rem; border-radius: 6px; cursor: pointer;
  border: 1px solid var(--border); background: var(--surface); color: var(--text);
}
button:hover { background: var(--hover-bg); }
button:first-child { background: var(--accent); border-color: var(--accent); color: var(--accent-text); }
button:first-child:hover { background: var(--accent-hover); }
[role='alert'] { color: var(--danger); font-weight: 600; }
@media (max-width: 36rem) { main { margin: 1rem; padding: 1rem; } header { padding: 0.75rem 1rem; } }
`
