// The card in each of its states, rendered with HubSpot's own testing utilities
// (@hubspot/ui-extensions/testing: createRenderer mocks the extension context and actions, and HubSpot's CRM
// hooks such as `useAssociations`; `hubspot.fetch` is not mocked by it, so each test answers it with a spy).
// The answers in ./fixtures are the API's own, for demo deals, as the card calls it with the deal's contacts
// (tests/api/test_card_fixtures.py keeps them equal to what the API answers); HUBSPOT_CONTACTS is what the
// demo's HubSpot sandbox lists for those deals' `useAssociations` (sandbox/hubspot/associations.py).

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
import {
  CONTACTS_PAGE_LENGTH,
  CONTACT_PROPERTIES,
  FETCH_TIMEOUT_MS,
  LOADING_LABEL,
  ProjectCard,
  cardUrl,
  contactName,
  seenContacts,
} from './ProjectCard.jsx';
import demo from './fixtures/card-demo.json';
import atRisk from './fixtures/card-at-risk.json';
import sales from './fixtures/card-sales.json';
import notWon from './fixtures/card-not-won.json';

const json = (body, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

const contact = (id, types, firstname, lastname, email) => ({
  toObjectId: id,
  associationTypes: types.map(([category, typeId, label]) => ({ category, typeId, label })),
  properties: { firstname, lastname, email },
});
const PLAIN = ['HUBSPOT_DEFINED', 3, null];
const PRIMARY = ['USER_DEFINED', 903, 'Primary contact'];
const HUBSPOT_CONTACTS = {
  21000000210: [
    contact(41000000103, [PLAIN], 'Aaron', 'Anderson', 'aaron.anderson@redwoodcapital.example'),
    contact(41000000104, [PLAIN, PRIMARY], 'Julia', 'Keller', 'julia.keller@redwoodcapital.example'),
  ],
  21000000162: [contact(41000000161, [PLAIN, PRIMARY], 'Tara', 'Walsh', 'tara.walsh@calderoutdoor.example')],
};

/** `useAssociations`' answer: `results`, all on one page unless `hasNextPage`, or still loading. */
function associationsAnswer(results, { isLoading = false, hasNextPage = false, error = null } = {}) {
  return {
    results,
    error,
    isLoading,
    isRefetching: false,
    refetch: async () => {},
    pagination: {
      hasNextPage,
      hasPreviousPage: false,
      currentPage: 1,
      pageSize: CONTACTS_PAGE_LENGTH,
      nextPage: () => {},
      previousPage: () => {},
      reset: () => {},
    },
  };
}

/** The card rendered on a deal record, HubSpot listing the deal's contacts (`contacts`, by default the demo
 * sandbox's) and `hubspot.fetch` answering `answers` in turn. */
function renderCard(dealId, ...answers) {
  return renderWith(dealId, associationsAnswer(HUBSPOT_CONTACTS[dealId] ?? []), ...answers);
}

function renderWith(dealId, contacts, ...answers) {
  const fetch = vi.spyOn(hubspot, 'fetch');
  for (const answer of answers) {
    if (answer instanceof Error) fetch.mockRejectedValueOnce(answer);
    else fetch.mockResolvedValueOnce(answer);
  }
  const renderer = createRenderer('crm.record.tab');
  renderer.mocks.context.crm.objectId = Number(dealId);
  renderer.mocks.useAssociations.willCall(() => contacts);
  renderer.render(<ProjectCard />);
  return { ...renderer, fetch };
}

const statistic = (find, label) => find(StatisticsItem, { label });
const item = (find, label) => find(DescriptionListItem, { label }).find(Text).text;

afterEach(() => vi.restoreAllMocks());

describe('loading', () => {
  it('asks the API for this deal with its contacts as HubSpot lists them, and shows a spinner until it answers', async () => {
    const { find, fetch, mocks } = renderCard('21000000210', new Promise(() => {}));
    expect(find(LoadingSpinner).props.label).toBe(LOADING_LABEL);
    // the card's effect runs after the first render without changing what is shown: poll (vitest's waitFor)
    await vi.waitFor(() => expect(fetch).toHaveBeenCalledTimes(1));
    expect(find(LoadingSpinner).props.layout).toBe('centered');
    expect(mocks.useAssociations.calls[0][0]).toEqual({
      toObjectType: '0-1',
      properties: CONTACT_PROPERTIES,
      pageLength: CONTACTS_PAGE_LENGTH,
    });
    const url = cardUrl(21000000210, '41000000103.3_41000000104.3.903');
    expect(fetch).toHaveBeenCalledWith(url, { method: 'GET', timeout: FETCH_TIMEOUT_MS });
    expect(url).toBe(
      'https://throughline.example.com/hubspot/deal-card?dealId=21000000210&contacts=41000000103.3_41000000104.3.903',
    );
  });

  it('waits for HubSpot to list the contacts before it asks the API', async () => {
    const { find, fetch } = renderWith('21000000210', associationsAnswer([], { isLoading: true }), json(demo));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fetch).not.toHaveBeenCalled();
    expect(find(LoadingSpinner).props.label).toBe(LOADING_LABEL);
  });

  it('sends no contacts when HubSpot cannot list them all, and Throughline reads them itself', async () => {
    const more = associationsAnswer(HUBSPOT_CONTACTS[21000000210], { hasNextPage: true });
    const { fetch } = renderWith('21000000210', more, new Promise(() => {}));
    await vi.waitFor(() => expect(fetch).toHaveBeenCalledTimes(1));
    expect(fetch.mock.calls[0][0]).toBe('https://throughline.example.com/hubspot/deal-card?dealId=21000000210');
    expect(seenContacts(associationsAnswer([], { error: new Error('no access') }))).toBeNull();
    expect(seenContacts(associationsAnswer([]))).toBe(''); // a deal without contacts says so
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
    expect(demo.scope.primary_contact_name).toBeNull(); // the API left the name to HubSpot's answer
    expect(item(find, 'Primary contact')).toBe('Julia Keller');
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

describe('the primary contact', () => {
  it('is named as Throughline names contacts: first and last name, else the e-mail, else the id', () => {
    const answer = associationsAnswer([
      contact(1, [PLAIN], ' Ann ', 'Lee', 'ann@x.test'),
      contact(2, [PLAIN], null, null, 'bo@x.test'),
      contact(3, [PLAIN], null, null, null),
    ]);
    expect(['1', '2', '3', '4'].map((id) => contactName(answer, id))).toEqual(['Ann Lee', 'bo@x.test', '3', null]);
  });

  it("is Throughline's name when Throughline read the contacts itself", async () => {
    const named = structuredClone(demo);
    named.scope.primary_contact_name = 'Julia Keller (read by Throughline)';
    const { find, waitFor } = renderWith('21000000210', associationsAnswer([], { hasNextPage: true }), json(named));
    await waitFor(() => expect(item(find, 'Primary contact')).toBe('Julia Keller (read by Throughline)'));
  });
});
