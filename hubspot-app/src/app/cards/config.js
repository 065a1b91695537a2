// Where the card finds Throughline's API: its public HTTPS address (the server's THROUGHLINE_API__PUBLIC_URL).
// HubSpot lets a card fetch only from the origins in ../app-hsmeta.json `permittedUrls.fetch`, and calls the
// workflow action at ../workflow-actions/closed-won-hsmeta.json `actionUrl`: `node bin/configure.mjs <url>`
// (in hubspot-app/) sets all three, and a test checks that they agree.
export const BACKEND_URL = 'https://throughline.example.com';
