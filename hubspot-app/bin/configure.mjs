#!/usr/bin/env node
// `node bin/configure.mjs https://throughline.acme.com` (in hubspot-app/): point the app at your Throughline
// API. HubSpot reads the address in three places, which must agree: the card's config.js (where it fetches),
// the app's permittedUrls.fetch (the origins HubSpot lets a card fetch from) and the Closed Won workflow
// action's actionUrl; and the local development proxy's example (local.json.example) maps the same origin.
import { readFileSync, writeFileSync } from 'node:fs';

const here = (path) => new URL(`../src/app/${path}`, import.meta.url);
const [url] = process.argv.slice(2);
let base;
try {
  base = new URL(url);
} catch {
  console.error('usage: node bin/configure.mjs https://throughline.acme.com  (the API\'s public HTTPS address)');
  process.exit(2);
}
if (base.protocol !== 'https:' || base.search || base.hash) {
  console.error(`${url}: HubSpot calls HTTPS addresses only; give https://host[:port][/path], no query`);
  process.exit(2);
}
const backend = base.href.replace(/\/+$/, '');

const configPath = here('cards/config.js');
const config = readFileSync(configPath, 'utf8');
const previous = /export const BACKEND_URL = '([^']*)';/.exec(config)[1];
writeFileSync(configPath, config.replace(`'${previous}'`, `'${backend}'`));

const json = (path, change) => {
  const data = JSON.parse(readFileSync(here(path), 'utf8'));
  change(data);
  writeFileSync(here(path), `${JSON.stringify(data, null, 2)}\n`);
};
json('app-hsmeta.json', (app) => {
  const kept = app.config.permittedUrls.fetch.filter((origin) => origin !== new URL(previous).origin);
  app.config.permittedUrls.fetch = [...new Set([base.origin, ...kept])];
});
json('workflow-actions/closed-won-hsmeta.json', (action) => {
  action.config.actionUrl = `${backend}/hubspot/closed-won`;
});
json('local.json.example', (local) => {
  const target = Object.values(local.proxy)[0] ?? 'http://localhost:8502';
  local.proxy = { [base.origin]: target };
});
console.log(`The card, the permitted fetch origins and the Closed Won action now use ${backend}.`);
