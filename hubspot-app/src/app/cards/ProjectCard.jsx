// The deal's live project, on the deal record: what was agreed at close, where delivery stands, the money
// (contract value, invoiced, outstanding and how overdue, cost to date, realized and forecast margin against
// the estimate), the handover gaps and the ID findings for this deal, how fresh each source is, and a link to
// the dashboard's Project page. Everything comes from Throughline's API (`GET /hubspot/deal-card`), which
// HubSpot signs; the figures are the dashboard's own. A role without financial access gets the delivery part.
//
// Only HubSpot's components (no HTML: HubSpot renders nothing else in a card), and `hubspot.fetch` (a card
// may not use `fetch`): https://developers.hubspot.com/docs/apps/developer-platform/add-features/ui-extensibility
//
// The deal's contacts come from HubSpot itself (`useAssociations` from '@hubspot/ui-extensions/crm': HubSpot's
// front end reads them for the viewer, with their association type ids and labels, at no cost to the app's
// API quota: "The CRM data hooks fetch data using the context of the CRM record where an extension is
// displayed", https://developers.hubspot.com/docs/apps/developer-platform/add-features/ui-extensions/
// fetching-data; the answer's shape: dist/shared.synced/types/hooks.synced.d.ts `AssociationResult` in the
// pinned @hubspot/ui-extensions 0.17.0). The card sends their ids and type ids with its call, so Throughline need not read
// them again (the primary contact is a portal label, which only an association read tells), and shows the
// primary contact's name as HubSpot gave it. Throughline uses them only when its own read of the deal lists
// the same contacts (services/hubspot/deal.py).

import { useEffect, useState } from 'react';
import {
  Alert,
  Button,
  DescriptionList,
  DescriptionListItem,
  Divider,
  EmptyState,
  ErrorState,
  Flex,
  Heading,
  Link,
  LoadingSpinner,
  ProgressBar,
  Statistics,
  StatisticsItem,
  StatisticsTrend,
  StatusTag,
  Tag,
  Text,
  hubspot,
  useExtensionContext,
} from '@hubspot/ui-extensions';
import { useAssociations } from '@hubspot/ui-extensions/crm';
import { BACKEND_URL } from './config.js';
import { DASH, age, countOf, day, money, overdue, pct, pp, text } from './format.js';

// HubSpot's `timeout` option, in ms: the first card of the day reads both systems (the default is 15 s).
export const FETCH_TIMEOUT_MS = 30000;
export const LOADING_LABEL = 'Reading the project from Throughline';
// Contacts asked of HubSpot at once; a deal with more is sent without them (Throughline reads them itself).
export const CONTACTS_PAGE_LENGTH = 100;
export const CONTACT_PROPERTIES = ['firstname', 'lastname', 'email'];

const KIND_WORDS = {
  missing: 'No project ID',
  malformed: 'Project ID not in the convention',
  dangling: 'Project ID names no ERP project',
  duplicate: 'Project ID shared with another deal',
  conflict: 'Deal and ERP project disagree',
  orphan: 'ERP project without a deal',
};
const STATUS_VARIANTS = {
  completed: 'success',
  in_progress: 'info',
  planning: 'default',
  on_hold: 'warning',
  cancelled: 'danger',
};

// Registers the card with HubSpot; outside HubSpot's worker (in the tests) this does nothing.
hubspot.extend(() => <ProjectCard />);

/**
 * What the card sends of the deal's contacts (`contacts`), from `useAssociations`' answer: each contact's id
 * and its association type ids joined by `.`, the contacts joined by `_` (digits, dots and underscores travel
 * in a URL as they are, so the URI HubSpot signs is the one sent); '' for a deal without contacts; null when
 * HubSpot could not list them all (an error, or more than one page), and then nothing is sent.
 */
export function seenContacts(associations) {
  if (associations.error || associations.pagination?.hasNextPage) return null;
  return associations.results
    .map((r) => [r.toObjectId, ...r.associationTypes.map((t) => t.typeId)].join('.'))
    .join('_');
}

/** A contact's name as Throughline writes it (services/hubspot/parse.py `contact`): first and last name, else
 * the e-mail, else the id. */
export function contactName(associations, contactId) {
  const found = associations.results.find((r) => String(r.toObjectId) === String(contactId));
  if (!found) return null;
  const { firstname, lastname, email } = found.properties ?? {};
  const name = [firstname, lastname].filter((p) => p && p.trim()).map((p) => p.trim()).join(' ');
  return name || email || String(found.toObjectId);
}

/** The address of one deal's card data on Throughline's API, with the deal's contacts when known. */
export function cardUrl(dealId, contacts = null) {
  const url = `${BACKEND_URL}/hubspot/deal-card?dealId=${encodeURIComponent(String(dealId))}`;
  return contacts === null ? url : `${url}&contacts=${contacts}`;
}

/** Fetch one deal's card data: `{status: 'ok', data}` or `{status: 'error', ...}` with words to show. */
export async function loadCard(dealId, contacts = null) {
  let response;
  try {
    response = await hubspot.fetch(cardUrl(dealId, contacts), { method: 'GET', timeout: FETCH_TIMEOUT_MS });
  } catch (error) {
    return {
      status: 'error',
      code: 'unreachable',
      message: `Throughline's API did not answer (${error?.message ?? error}). Try again in a minute.`,
    };
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (response.ok && body && !body.error) return { status: 'ok', data: body };
  if (body?.error) {
    return {
      status: 'error',
      code: body.error.code,
      message: body.error.message,
      requestId: body.error.request_id,
    };
  }
  return {
    status: 'error',
    code: 'http',
    message: `Throughline's API answered HTTP ${response.status} without a message. Try again in a minute.`,
  };
}

/** The card: loading, then the project, or why it cannot be shown. */
export function ProjectCard() {
  const context = useExtensionContext();
  const dealId = context.crm?.objectId;
  const [attempt, setAttempt] = useState(0);
  const [state, setState] = useState({ status: 'loading' });
  const associations = useAssociations({
    toObjectType: '0-1',
    properties: CONTACT_PROPERTIES,
    pageLength: CONTACTS_PAGE_LENGTH,
  });
  // undefined while HubSpot lists the contacts: the call waits for them (a string, stable across renders)
  const contacts = associations.isLoading ? undefined : seenContacts(associations);

  useEffect(() => {
    if (contacts === undefined) return undefined;
    let current = true;
    setState({ status: 'loading' });
    loadCard(dealId, contacts).then((next) => {
      if (current) setState(next);
    });
    return () => {
      current = false;
    };
  }, [dealId, attempt, contacts]);

  if (state.status === 'loading') return <LoadingSpinner label={LOADING_LABEL} layout="centered" />;
  if (state.status === 'error') return <CardError error={state} retry={() => setAttempt((n) => n + 1)} />;
  return <Project data={state.data} associations={associations} />;
}

function CardError({ error, retry }) {
  if (error.code === 'no_access') {
    return (
      <ErrorState title="No access to this project in Throughline" type="lock">
        <Text>{error.message}</Text>
      </ErrorState>
    );
  }
  return (
    <ErrorState title="Throughline could not show this project">
      <Text>{error.message}</Text>
      {error.requestId && <Text variant="microcopy">Request id {error.requestId}, for your admin.</Text>}
      <Button onClick={retry}>Try again</Button>
    </ErrorState>
  );
}

function Project({ data, associations }) {
  const { deal, project } = data;
  if (!deal.deal_is_won || !project) {
    return (
      <Flex direction="column" gap="sm">
        <EmptyState title="No project yet" layout="vertical">
          <Text>
            The project fills in here when this deal is Closed Won (its stage now: {text(deal.deal_stage)}).
          </Text>
        </EmptyState>
        <Freshness freshness={data.freshness} />
      </Flex>
    );
  }
  return (
    <Flex direction="column" gap="md">
      <Header data={data} />
      <SourceAlerts freshness={data.freshness} />
      {project.match === 'deal_only' && (
        <Alert title="No ERP project carries this deal's project ID" variant="warning">
          So its cost and billing are unknown here until the ID matches; the ID audit below says which
          project it likely is.
        </Alert>
      )}
      {data.figures ? <Money figures={data.figures} /> : <DeliveryOnly access={data.access} />}
      <Divider />
      {data.delivery && <Delivery delivery={data.delivery} />}
      <AgreedAtClose deal={deal} scope={data.scope} figures={data.figures} associations={associations} />
      {data.handover && <Handover handover={data.handover} />}
      {data.findings && <Findings findings={data.findings} note={data.findings_note} />}
      <Divider />
      <Footer data={data} />
    </Flex>
  );
}

function Header({ data }) {
  const { project, delivery } = data;
  const status = delivery?.project_status;
  return (
    <Flex direction="row" justify="between" align="center" wrap>
      <Heading>
        {project.project_label} ({project.erp_project_id ?? 'no project ID'})
      </Heading>
      {status && <StatusTag variant={STATUS_VARIANTS[status] ?? 'default'}>{words(status)}</StatusTag>}
    </Flex>
  );
}

function SourceAlerts({ freshness }) {
  return freshness
    .filter((source) => source.error)
    .map((source) =>
      source.read_at ? (
        <Alert key={source.system} title={`${source.source} could not be read just now`} variant="warning">
          This card shows its last good data, from {age(source.age_s)}. {source.error}
        </Alert>
      ) : (
        <Alert key={source.system} title={`${source.source} could not be read`} variant="error">
          Its part of the card is missing. {source.error}
        </Alert>
      ),
    );
}

function DeliveryOnly({ access }) {
  return (
    <Alert title="Delivery view" variant="info">
      Your role in Throughline ({access.role}) shows delivery, not the money: contract value, invoices, cost
      and margin are for owners, ops and admins.
    </Alert>
  );
}

function Money({ figures }) {
  const ccy = figures.currency;
  const erosion = figures.erosion_pp;
  return (
    <Flex direction="column" gap="sm">
      <Statistics>
        <StatisticsItem label="Contract value" number={money(figures.contract_value_amount, ccy)}>
          <Text>{money(figures.remaining_to_invoice_amount, ccy)} still to invoice</Text>
        </StatisticsItem>
        <StatisticsItem label="Invoiced" number={money(figures.invoiced_amount, ccy)}>
          <Text>{pct(figures.billing_burn_pct)} of the contract</Text>
        </StatisticsItem>
        <StatisticsItem label="Outstanding" number={money(figures.outstanding_amount, ccy)}>
          <Text>{overdue(figures.outstanding_amount, figures.max_days_past_due)}</Text>
        </StatisticsItem>
        <StatisticsItem label="Cost to date" number={money(figures.actual_cost_amount, ccy)}>
          <Text>{pct(figures.cost_burn_pct)} of the estimated cost</Text>
        </StatisticsItem>
      </Statistics>
      <Statistics>
        <StatisticsItem label="Realized margin" number={money(figures.realized_margin_amount, ccy)}>
          <Text>{pct(figures.realized_margin_pct)} of invoiced</Text>
        </StatisticsItem>
        <StatisticsItem label="Forecast margin" number={pct(figures.forecast_margin_pct)}>
          {erosion === null || erosion === undefined ? (
            <Text>{DASH}</Text>
          ) : (
            <StatisticsTrend
              direction={erosion > 0 ? 'decrease' : 'increase'}
              color={figures.erosion_flag ? 'red' : 'green'}
              value={`${pp(-erosion)} against the estimate`}
            />
          )}
        </StatisticsItem>
        <StatisticsItem label="Estimated at close" number={pct(figures.est_margin_pct)}>
          <Text>{money(figures.est_cost_amount, ccy)} estimated cost</Text>
        </StatisticsItem>
      </Statistics>
      {figures.overrun_flag && (
        <Alert title="Cost overrun" variant="danger">
          Cost to date is {pct(figures.cost_burn_pct)} of the cost estimated at close.
        </Alert>
      )}
      {figures.overdue_flag && (
        <Alert title="Overdue invoices" variant="warning">
          {money(figures.outstanding_amount, ccy)} outstanding,{' '}
          {overdue(figures.outstanding_amount, figures.max_days_past_due)}.
        </Alert>
      )}
    </Flex>
  );
}

function Delivery({ delivery }) {
  const poc = delivery.poc;
  return (
    <Flex direction="column" gap="sm">
      <Heading>Delivery</Heading>
      {poc !== null && poc !== undefined && (
        <ProgressBar
          title="Complete"
          value={Math.round(Math.min(Math.max(poc, 0), 1) * 100)}
          maxValue={100}
          showPercentage
          valueDescription={`${pct(poc)} complete`}
        />
      )}
      <DescriptionList direction="row">
        <DescriptionListItem label="Status">
          <Text>
            {words(delivery.project_status)} (HubSpot project record), {words(delivery.erp_status)} (ERP)
          </Text>
        </DescriptionListItem>
        <DescriptionListItem label="Next milestone">
          <Text>
            {text(delivery.next_milestone)}
            {delivery.next_milestone_date ? `, due ${day(delivery.next_milestone_date)}` : ''}
          </Text>
        </DescriptionListItem>
        <DescriptionListItem label="Milestones done">
          <Text>{countOf(delivery.milestones_done, delivery.milestones_total)}</Text>
        </DescriptionListItem>
        <DescriptionListItem label="Open incidents">
          <Text>{text(delivery.open_incidents)}</Text>
        </DescriptionListItem>
        <DescriptionListItem label="Open change requests">
          <Text>{text(delivery.open_change_requests)}</Text>
        </DescriptionListItem>
        <DescriptionListItem label="Last activity">
          <Text>{day(delivery.last_activity_at)}</Text>
        </DescriptionListItem>
      </DescriptionList>
    </Flex>
  );
}

function AgreedAtClose({ deal, scope, figures, associations }) {
  // Throughline names the primary contact when it read the contacts itself; else HubSpot's answer has the name
  const contact =
    scope?.primary_contact_name ??
    (scope?.primary_contact_id ? contactName(associations, scope.primary_contact_id) : null);
  return (
    <Flex direction="column" gap="sm">
      <Heading>Agreed at close</Heading>
      <DescriptionList direction="row">
        <DescriptionListItem label="Closed">
          <Text>{day(deal.close_date)}</Text>
        </DescriptionListItem>
        <DescriptionListItem label="Scope">
          <Text>{text(scope?.scope_summary)}</Text>
        </DescriptionListItem>
        <DescriptionListItem label="Signed proposal">
          <Text>{text(scope?.proposal_version)}</Text>
        </DescriptionListItem>
        {figures && (
          <DescriptionListItem label="Estimated margin">
            <Text>{pct(figures.est_margin_pct)}</Text>
          </DescriptionListItem>
        )}
        <DescriptionListItem label="Primary contact">
          <Text>{text(contact)}</Text>
        </DescriptionListItem>
        <DescriptionListItem label="Owner">
          <Text>{text(deal.owner_name)}</Text>
        </DescriptionListItem>
      </DescriptionList>
    </Flex>
  );
}

function Handover({ handover }) {
  const missing = handover.missing_items ?? [];
  return (
    <Flex direction="column" gap="sm">
      <Heading>Handover</Heading>
      {missing.length === 0 ? (
        <Tag variant="success">Complete: delivery has what it needs</Tag>
      ) : (
        <Flex direction="row" gap="xs" wrap>
          <Text inline>Missing:</Text>
          {missing.map((item) => (
            <Tag key={item} variant={handover.handover_overdue ? 'error' : 'warning'}>
              {item}
            </Tag>
          ))}
        </Flex>
      )}
      {handover.handover_overdue && (
        <Text variant="microcopy">
          Incomplete {handover.days_since_close} days after close: the handover is overdue.
        </Text>
      )}
    </Flex>
  );
}

function Findings({ findings, note }) {
  return (
    <Flex direction="column" gap="sm">
      <Heading>ID audit</Heading>
      {findings.length === 0 && <Text>No ID problem found for this deal.</Text>}
      {findings.map((finding) => (
        <Alert
          key={finding.key}
          title={KIND_WORDS[finding.kind] ?? words(finding.kind)}
          variant={finding.severity === 'high' ? 'danger' : 'warning'}
        >
          {finding.message}
          {finding.suggested_id && finding.suggested_id !== finding.raw_id
            ? ` Suggested ID: ${finding.suggested_id}.`
            : ''}
        </Alert>
      ))}
      {note && <Text variant="microcopy">{note}</Text>}
    </Flex>
  );
}

function Footer({ data }) {
  const url = data.links?.dashboard;
  return (
    <Flex direction="row" justify="between" align="center" wrap>
      <Freshness freshness={data.freshness} />
      {url && <Link href={{ url, external: true }}>Open the project in Throughline</Link>}
    </Flex>
  );
}

function Freshness({ freshness }) {
  const parts = freshness.map((s) => `${s.source} ${age(s.age_s)}${s.stale ? ' (stale)' : ''}`);
  return <Text variant="microcopy">Read: {parts.join(' · ')}</Text>;
}

/** `in_progress` -> `In progress`. */
function words(value) {
  if (value === null || value === undefined || value === '') return DASH;
  const spaced = String(value).replaceAll('_', ' ');
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}
