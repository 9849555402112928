-- Spend aggregates: exact sums per time bucket and everything spend is grouped by.
create table spend_aggregate (
    bucket_start      timestamptz not null,
    source            text        not null,
    subject           text        not null,  -- '' when the event named no subject
    model_id          text        not null,  -- the base model the event was priced as
    region            text        not null,
    service_tier      text        not null,
    dimension         text        not null,
    rate_card_version text        not null,
    quantity          numeric     not null check (quantity >= 0),
    cost_usd          numeric     not null check (cost_usd >= 0),
    events            bigint      not null check (events >= 0),
    primary key (bucket_start, source, subject, model_id, region, service_tier, dimension, rate_card_version)
);

-- Idempotency keys (a 128-bit hash of source and id) of every event charged, kept for the dedup window.
create table seen_event (
    event_key uuid        primary key,
    seen_at   timestamptz not null default now()
);
create index seen_event_seen_at on seen_event using brin (seen_at);

-- Kafka offsets, written in the same transaction as the aggregates they produced.
create table consumer_offset (
    consumer_group text        not null,
    topic          text        not null,
    partition      integer     not null,
    next_offset    bigint      not null,
    updated_at     timestamptz not null default now(),
    primary key (consumer_group, topic, partition)
);

-- How many records had each outcome, ever: priced + duplicate + invalid + unpriced = records read.
create table event_outcome_total (
    outcome text   primary key,
    events  bigint not null
);

-- Valid events that no rate card could price, kept until a card covers them.
create table unpriced_event (
    event_key         uuid        primary key,
    source            text        not null,
    event_id          text        not null,
    event_time        timestamptz not null,
    model_id          text        not null,
    reason            text        not null,
    rate_card_version text,
    payload           text        not null,
    quarantined_at    timestamptz not null default now()
);
