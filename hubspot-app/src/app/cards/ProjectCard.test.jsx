// The card in each of its states, rendered with HubSpot's own testing utilities
// (@hubspot/ui-extensions/testing: createRenderer mocks the extension context and actions; `hubspot.fetch` is
// not mocked by it, so each test answers it with a spy). The answers in ./fixtures are the API's own, for
// demo deals (tests/api/test_card_fixtures.py keeps them equal to what the API answers).

import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import {
  Alert,
  Button,
  DescriptionListItem,
  EmptyState,
  ErrorState,
  Heading,
  Link,
  LoadingSpinner,
  ProgressBar,
  StatisticsItem,
  StatisticsTrend,
  StatusTag,
  Tag,
  Text,
  hubspot,
} from '@hubspot/ui-extensions';
import { FETCH_TIMEOUT_MS, LOADING_LABEL, ProjectCard, cardUrl } from './ProjectCard.jsx';
import demo from './fixtures/card-demo.json';
import atRisk from './fixtures/card-at-risk.json';
import sales from './fixtures/card-sales.json';
import notWon from './fixtures/card-not-won.json';

const json = (body, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** The card rendered on a deal record, with `hubspot.fetch` answering `answers` in turn. */
function renderCard(dealId, ...answers) {
  const fetch = vi.spyOn(hubspot, 'fetch');
  for (const answer of answers) {
    if (answer instanceof Error) fetch.mockRejectedValueOnce(answer);
    else fetch.mockResolvedValueOnce(answer);
  }
  const renderer = createRenderer('crm.record.tab');
  renderer.mocks.context.crm.objectId = Number(dealId);
  renderer.render(<ProjectCard />);
  return { ...renderer, fetch };
}

const statistic = (find, label) => find(StatisticsItem, { label });
const item = (find, label) => find(DescriptionListItem, { label }).find(Text).text;

afterEach(() => vi.restoreAllMocks());

describe('loading', () => {
  it('asks the API for this deal and shows a spinner until it answers', async () => {
    const { find, fetch } = renderCard('21000000210', new Promise(() => {}));
    expect(find(LoadingSpinner).props.label).toBe(LOADING_LABEL);
    // the card's effect runs after the first render without changing what is shown: poll (vitest's waitFor)
    await vi.waitFor(() => expect(fetch).toHaveBeenCalledTimes(1));
    expect(find(LoadingSpinner).props.layout).toBe('centered');
    expect(fetch).toHaveBeenCalledWith(cardUrl(21000000210), { method: 'GET', timeout: FETCH_TIMEOUT_MS });
    expect(cardUrl(21000000210)).toBe('https://throughline.example.com/hubspot/deal-card?dealId=21000000210');
  });
});

describe('a won deal, seen with financial access (the demo)', () => {
  it('shows the money as the dashboard writes it', async () => {
    const { find, waitFor } = renderCard('21000000210', json(demo));
    await waitFor(() => expect(find(Heading).text).toBe('Redwood Capital – Warehouse automation study (PRJ-00465)'));
    expect(statistic(find, 'Contract value').props.number).toBe('$42,500');
    expect(statistic(find, 'Contract value').find(Text).text).toBe('$7,083 still to invoice');
    expect(statistic(find, 'Invoiced').props.number).toBe('$35,417');
    expect(statistic(find, 'Invoiced').find(Text).text).toBe('83.3 % of the contract');
    expect(statistic(find, 'Outstanding').props.number).toBe('$28,333');
    expect(statistic(find, 'Outstanding').find(Text).text).toBe('18 days overdue');
    expect(statistic(find, 'Cost to date').props.number).toBe('$22,578');
    expect(statistic(find, 'Realized margin').props.number).toBe('$12,839');
    expect(statistic(find, 'Realized margin').find(Text).text).toBe('36.3 % of invoiced');
    expect(statistic(find, 'Forecast margin').props.number).toBe('31.0 %');
    expect(statistic(find, 'Forecast margin').find(StatisticsTrend).props).toMatchObject({
      direction: 'increase',
      color: 'green',
      value: '+0.0 pp against the estimate',
    });
    expect(statistic(find, 'Estimated at close').props.number).toBe('31.0 %');
  });

  it('shows delivery, what was agreed at close, handover, the ID finding, freshness and the link', async () => {
    const { find, findAll, waitFor } = renderCard('21000000210', json(demo));
    await waitFor(() => expect(find(ProgressBar).props.value).toBe(77));
    expect(find(StatusTag).text).toBe('In progress');
    expect(find(StatusTag).props.variant).toBe('info');
    expect(item(find, 'Next milestone')).toBe('M6: Acceptance, due 21 Nov 2026');
    expect(item(find, 'Milestones done')).toBe('5 of 6');
    expect(item(find, 'Status')).toBe('In progress (HubSpot project record), Open (ERP)');
    expect(item(find, 'Closed')).toBe('23 Jul 2026');
    expect(item(find, 'Estimated margin')).toBe('31.0 %');
    expect(find(Tag).text).toBe('Complete: delivery has what it needs');
    const finding = find(Alert, { title: 'Project ID not in the convention' });
    expect(finding.props.variant).toBe('warning');
    expect(finding.text).toContain('the convention is PRJ-00465.');
    expect(finding.text).toContain('Suggested ID: PRJ-00465.');
    expect(findAll(Alert).map((a) => a.props.title)).toEqual(['Project ID not in the convention']);
    expect(find(Link).props.href).toEqual({ url: 'http://127.0.0.1:8501/project?project=PRJ-00465', external: true });
    expect(find(Text, (t) => t.text?.startsWith('Read:')).text).toBe(
      'Read: HubSpot sandbox 1 s ago · Odoo sandbox 0 s ago',
    );
  });

  it('flags an eroding, overdue project and its missing handover items', async () => {
    const { find, findAll, waitFor } = renderCard('21000000162', json(atRisk));
    await waitFor(() => expect(statistic(find, 'Forecast margin').props.number).toBe('-23.9 %'));
    expect(statistic(find, 'Forecast margin').find(StatisticsTrend).props).toMatchObject({
      direction: 'decrease',
      color: 'red',
      value: '-47.4 pp against the estimate',
    });
    expect(statistic(find, 'Realized margin').props.number).toBe('-$67,927');
    expect(find(Alert, { title: 'Overdue invoices' }).text).toBe('$65,042 outstanding, 117 days overdue.');
    expect(findAll(Tag).map((t) => [t.text, t.props.variant])).toEqual([
      ['scope', 'error'],
      ['pricing (line items)', 'error'],
    ]);
    expect(find(Text, (t) => t.text?.startsWith('Incomplete')).text).toBe(
      'Incomplete 272 days after close: the handover is overdue.',
    );
  });
});

describe('a role without financial access (sales)', () => {
  it('gets the delivery part only: no money, no ID audit', async () => {
    const { find, maybeFind, findAll, waitFor } = renderCard('21000000210', json(sales));
    await waitFor(() => expect(find(Alert, { title: 'Delivery view' }).text).toContain('(sales)'));
    expect(findAll(StatisticsItem)).toHaveLength(0);
    expect(maybeFind(DescriptionListItem, { label: 'Estimated margin' })).toBeNull();
    expect(maybeFind(Heading, (h) => h.text === 'ID audit')).toBeNull();
    expect(item(find, 'Next milestone')).toBe('M6: Acceptance, due 21 Nov 2026');
    expect(find(ProgressBar).props.value).toBe(77);
    expect(find(Heading, (h) => h.text === 'Handover')).toBeTruthy();
    expect(find(Link).props.href.url).toBe('http://127.0.0.1:8501/project?project=PRJ-00465');
  });
});

describe('a deal not won yet', () => {
  it('says the project fills in at Closed Won', async () => {
    const { find, waitFor } = renderCard('21000000003', json(notWon));
    await waitFor(() => expect(find(EmptyState).props.title).toBe('No project yet'));
    expect(find(EmptyState).find(Text).text).toBe(
      'The project fills in here when this deal is Closed Won (its stage now: Closed Lost).',
    );
  });
});

describe('errors', () => {
  const unavailable = {
    error: { code: 'unavailable', message: 'HubSpot could not be read: timeout.', request_id: 'abc123' },
  };

  it('shows the API message and the request id, and tries again on request', async () => {
    const { find, findAll, waitFor, fetch } = renderCard('21000000210', json(unavailable, 503), json(demo));
    await waitFor(() => expect(find(ErrorState).props.title).toBe('Throughline could not show this project'));
    expect(find(ErrorState).findAll(Text).map((t) => t.text)).toEqual([
      'HubSpot could not be read: timeout.',
      'Request id abc123, for your admin.',
    ]);
    find(Button).trigger('onClick');
    await waitFor(() => expect(statistic(find, 'Contract value').props.number).toBe('$42,500'));
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(findAll(ErrorState)).toHaveLength(0);
  });

  it('shows a viewer without a role why, with no retry', async () => {
    const refused = { error: { code: 'no_access', message: 'x@y.test has no Throughline role', request_id: 'r' } };
    const { find, maybeFind, waitFor } = renderCard('21000000210', json(refused, 403));
    await waitFor(() => expect(find(ErrorState).props.type).toBe('lock'));
    expect(find(ErrorState).props.title).toBe('No access to this project in Throughline');
    expect(find(ErrorState).find(Text).text).toBe('x@y.test has no Throughline role');
    expect(maybeFind(Button)).toBeNull();
  });

  it('says so when the API answers without JSON', async () => {
    const gateway = new Response('<html>Bad gateway</html>', { status: 502 });
    const { find, waitFor } = renderCard('21000000210', gateway);
    await waitFor(() =>
      expect(find(ErrorState).find(Text).text).toBe(
        "Throughline's API answered HTTP 502 without a message. Try again in a minute.",
      ),
    );
  });

  it('says so when the API cannot be reached', async () => {
    const { find, waitFor } = renderCard('21000000210', new Error('Request timed out'));
    await waitFor(() =>
      expect(find(ErrorState).find(Text).text).toBe(
        "Throughline's API did not answer (Request timed out). Try again in a minute.",
      ),
    );
  });

  it('warns when a source could not be read and the card shows its last good data', async () => {
    const stale = structuredClone(demo);
    stale.freshness[1] = { ...stale.freshness[1], stale: true, age_s: 180, error: 'Odoo read failed (502).' };
    const { find, waitFor } = renderCard('21000000210', json(stale));
    await waitFor(() =>
      expect(find(Alert, { title: 'Odoo sandbox could not be read just now' }).text).toBe(
        'This card shows its last good data, from 3 min ago. Odoo read failed (502).',
      ),
    );
    expect(find(Text, (t) => t.text?.startsWith('Read:')).text).toContain('Odoo sandbox 3 min ago (stale)');
  });
});
