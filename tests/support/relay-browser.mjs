#!/usr/bin/env node
// A "browser" for command-line OAuth clients in tests (mcp-remote opens the authorization URL with `open`, which
// runs $BROWSER when there is no desktop): it hands the URL to the test that started the client, which then acts
// as the person (tests/support/browser-relay.ts). Exits at once, as a browser launcher does.
const url = process.argv.at(-1)
const relay = process.env.SWITCHBOARD_TEST_BROWSER_RELAY
if (!relay || !url) process.exit(2)
await fetch(relay, { method: 'POST', body: url })
