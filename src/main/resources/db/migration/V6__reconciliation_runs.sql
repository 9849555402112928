-- One reconciliation of the AWS bill with the aggregates: who ran it, on which file, over which days,
-- the totals per classification and the whole report (JSON), and a draft corrected rate card if prices differed.
create table reconciliation_run (
    id                bigserial   primary key,
    run_at            timestamptz not null default now(),
    run_by            text        not null,
    bill_file         text        not null,
    bill_format       text        not null,
    from_day          date        not null,
    to_day            date        not null,  -- exclusive
    billed_cost_usd   numeric     not null,
    metered_cost_usd  numeric     not null,
    summary           text        not null,  -- JSON: keys, billed, metered and difference per classification
    report            text        not null,  -- JSON: every key's comparison
    draft_rate_card   text                   -- YAML, when the bill implied other prices
);
