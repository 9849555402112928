-- Rate card versions published over the REST API (the bundled ones live in the jar). Immutable:
-- rows are only ever inserted. Every instance reloads this table, so a new version takes effect at
-- its effective time everywhere without a restart.
create table rate_card (
    version        text        primary key,
    effective_from timestamptz not null unique,
    definition     text        not null,  -- the YAML as published
    published_at   timestamptz not null default now(),
    published_by   text        not null
);

-- Each time quarantined events were priced again, and how many left quarantine.
create table reprice_run (
    id             bigserial   primary key,
    started_at     timestamptz not null default now(),
    requested_by   text        not null,
    examined       bigint      not null,
    priced         bigint      not null,
    cost_usd       numeric     not null
);

-- One user interaction of an agent (events sharing an interactionId): model calls and cost.
create table interaction_spend (
    source           text        not null,
    interaction_id   text        not null,
    first_event_time timestamptz not null,
    last_event_time  timestamptz not null,
    model_calls      bigint      not null check (model_calls >= 0),
    events           bigint      not null check (events >= 0),
    cost_usd         numeric     not null check (cost_usd >= 0),
    updated_at       timestamptz not null default now(),
    observed         boolean     not null default false, -- reported to the Prometheus histograms
    primary key (source, interaction_id)
);
-- BRIN: rows arrive roughly in time order, and a BRIN index costs next to nothing to maintain in
-- the commit, which writes these rows for every batch.
create index interaction_spend_updated_at on interaction_spend using brin (updated_at);
create index interaction_spend_last_event on interaction_spend using brin (last_event_time);

-- Hours of standing resources (configured, accrued by the service) already published as usage events.
-- A row with published = false marks where a new resource's accrual starts.
create table standing_resource_hour (
    resource   text        not null,
    hour_start timestamptz not null,
    published  boolean     not null default true,
    primary key (resource, hour_start)
);
