-- Budgets: an amount of USD per period (UTC day, ISO week or calendar month) for a scope of spend.
-- A scope field left null matches everything; all null is the whole bill.
create table budget (
    id                uuid        primary key,
    name              text        not null unique,
    scope_source      text,
    scope_subject     text,
    scope_model       text,
    scope_dimension   text,
    scope_tier        text,
    period            text        not null check (period in ('day', 'week', 'month')),
    amount_usd        numeric     not null check (amount_usd > 0),
    thresholds        numeric[]   not null,            -- percent of the amount, e.g. {50,80,100}
    alert_on_forecast boolean     not null default true,
    created_at        timestamptz not null default now(),
    updated_at        timestamptz not null default now()
);

-- Every alert fired: one per budget, period and threshold, ever (the primary key makes it so,
-- across restarts and instances).
create table budget_alert (
    budget_id    uuid        not null references budget (id) on delete cascade,
    period_start timestamptz not null,
    threshold    text        not null,                 -- "50", "80", "100" or "forecast"
    fired_at     timestamptz not null default now(),
    spent_usd    numeric     not null,
    forecast_usd numeric     not null,
    primary key (budget_id, period_start, threshold)
);
