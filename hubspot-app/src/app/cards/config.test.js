// The backend's address is configuration in three places HubSpot reads: the card's config.js, the app's
// permitted fetch origins, and the workflow action's URL. They must agree, or the card's fetch is refused.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BACKEND_URL } from './config.js';

const read = (path) => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'));
const app = read('../app-hsmeta.json');
const card = read('./project-card-hsmeta.json');
const action = read('../workflow-actions/closed-won-hsmeta.json');
const project = read('../../../hsproject.json');
const proxy = read('../local.json.example');

describe('project configuration', () => {
  it('lets the card fetch from the backend it calls, over HTTPS', () => {
    const origin = new URL(BACKEND_URL).origin;
    expect(BACKEND_URL.startsWith('https://')).toBe(true);
    expect(app.config.permittedUrls.fetch).toContain(origin);
    expect(Object.keys(proxy.proxy)).toEqual([origin]);
  });

  it('sends Closed Won to the same backend', () => {
    expect(action.config.actionUrl).toBe(`${BACKEND_URL}/hubspot/closed-won`);
    expect(action.config.objectTypes).toEqual(['DEAL']);
    expect(action.config.outputFields.map((f) => f.typeDefinition.name)).toEqual([
      'outcome',
      'projectId',
      'projectRecordId',
      'message',
    ]);
  });

  it('puts the card on deal records, from an entrypoint that exists, on the current platform', () => {
    expect(card.config.objectTypes).toEqual(['deals']);
    expect(readFileSync(new URL(`../..${card.config.entrypoint}`, import.meta.url), 'utf8')).toContain(
      'export function ProjectCard',
    );
    expect(project.platformVersion).toBe('2026.03');
    expect(app.config.auth.requiredScopes).toContain('crm.objects.deals.read');
  });
});
